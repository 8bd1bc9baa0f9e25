"""The application services: each use case one function over a unit of work, returning typed values."""
