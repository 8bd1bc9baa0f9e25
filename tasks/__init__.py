"""Prefect tasks: thin and typed. Each takes ids, plain values and an aware `datetime` (the one clock type,
passed down from the flow), calls one service, and returns that service's dataclass. I/O tasks retry."""
