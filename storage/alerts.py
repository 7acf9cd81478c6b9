"""Where the poll writes its alerts: the outbox (storage.outbox), under its older name."""

from __future__ import annotations

from storage.outbox import add_alert, count_pending

__all__ = ["add_alert", "count_pending"]
