"""Weekdays by name, as policies and meeting settings write them ("tuesday", "second Tuesday")."""

from __future__ import annotations

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}


def weekday_number(name: str) -> int:
    """0 for Monday … 6 for Sunday; ValueError naming the day otherwise."""
    try:
        return WEEKDAY_NAMES.index(name.strip().lower())
    except ValueError:
        raise ValueError(f"{name!r} is not a weekday (Monday … Sunday)") from None


def weekday_position(text: str) -> tuple[int, int]:
    """"second Tuesday" → (2, 1), "last Thursday" → (-1, 3): a monthly meeting's day as RRULE's BYDAY reads it."""
    words = text.split()
    if len(words) != 2 or words[0].lower() not in ORDINALS:
        raise ValueError(f"{text!r} is not a weekday position like 'second Tuesday' or 'last Thursday'")
    return ORDINALS[words[0].lower()], weekday_number(words[1])
