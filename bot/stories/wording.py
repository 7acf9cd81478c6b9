"""Facts as a reader says them: ``mah:5500`` is "5,500 mAh", for "earlier: 5,500 mAh"."""

from __future__ import annotations

from collections.abc import Iterable

from bot.stories.claims import MONTHS

_MONTH_NAMES = {number: name.capitalize() for name, number in MONTHS.items() if len(name) > 3}
_MONTH_NAMES[5] = "May"
_AFTER = {
    "mah": " mAh",
    "w": "W",
    "mp": " MP",
    "hz": " Hz",
    "ghz": " GHz",
    "gb": " GB",
    "tb": " TB",
    "nm": " nm",
    "mm": " mm",
    "g": " g",
    "inch": "-inch",
    "x": "x",
    "k": "K",
    "nits": " nits",
    "cny": " yuan",
}


def fact(claim: str) -> str:
    """Say one fact as a reader writes it: ``usd:1099`` is "$1,099"."""
    unit, _, value = claim.partition(":")
    if not value:
        return unit
    if unit == "date":
        month, _, day = value.partition("-")
        if month.isdigit() and int(month) in _MONTH_NAMES:
            return f"{_MONTH_NAMES[int(month)]} {day}"
        return value
    shown = _grouped(value)
    if unit == "usd":
        return f"${shown}"
    if unit in _AFTER:
        return f"{shown}{_AFTER[unit]}"
    return f"{unit} {value}"


def earlier(claims: Iterable[str]) -> str:
    """Say what a story said before a correction: "earlier: 5,500 mAh"."""
    return "earlier: " + ", ".join(fact(c) for c in sorted(claims))


def _grouped(value: str) -> str:
    if value.endswith("+"):  # a bound: "5,000+"
        return f"{_grouped(value[:-1])}+"
    whole, dot, part = value.partition(".")
    if whole.isdigit() and len(whole) > 3:
        whole = f"{int(whole):,}"
    return f"{whole}{dot}{part}"
