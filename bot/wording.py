"""Counts worded for people: "1 source", "2 sources"."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """Say a count with its noun in the right number: ``counted(1, "watch", "watches")``."""
    if count == 1:
        return f"1 {noun}"
    return f"{count} {plural or noun + 's'}"
