"""Prefect tasks: thin, typed, take ids and plain values, call one service each. I/O tasks retry."""
