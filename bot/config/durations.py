"""Durations as users write them in the config file: ``90s``, ``10m``, ``1h30m``, ``3d``."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+)\s*([smhd])")
_WHOLE = re.compile(r"^\s*(?:\d+\s*[smhd]\s*)+$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: object) -> timedelta:
    """Turn ``"10m"`` (or a whole number of seconds) into a timedelta; raise ValueError if bad."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 90s, 10m or 1h, got {value!r}")
    if isinstance(value, int):
        seconds = value
    elif isinstance(value, str) and _WHOLE.match(value):
        seconds = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _PART.findall(value))
    else:
        raise ValueError(f"expected a duration such as 90s, 10m or 1h, got {value!r}")
    if seconds <= 0:
        raise ValueError(f"a duration must be positive, got {value!r}")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """Write a timedelta back the way users write it: ``1h30m``."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"
