"""Unit tests are pure: no database, no network, no clock. Fixtures here only build snapshots."""
