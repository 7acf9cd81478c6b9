"""Prometheus metrics of a running leakbot: what it polled, queued and delivered.

The running bot serves them on ``LEAKBOT_HTTP_ADDR`` at ``/metrics``. They live in one
registry of their own, so that nothing else a library registers leaks into the page.
Every label value known in advance has its series at 0 from the start, so that ``rate()``
and alert rules see a counter that has not moved rather than no counter at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)

from bot.domain import PollOutcome

# the ``_created`` series double the page and no query of ours reads them; the library reads
# this switch each time it writes the page, whichever module imported the library first
# (the PROMETHEUS_DISABLE_CREATED_SERIES variable is read once, at the library's import)
disable_created_metrics()  # type: ignore[no-untyped-call]  # the library's is unannotated

REGISTRY = CollectorRegistry(auto_describe=True)

POLLS = Counter("leakbot_polls", "Polls of sources, by outcome.", ["outcome"], registry=REGISTRY)
POLL_SECONDS = Histogram(
    "leakbot_poll_seconds",
    "How long one poll of one source took, fetch to commit.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
POLL_LATENESS = Histogram(
    "leakbot_poll_lateness_seconds",
    "How long after its due time a source's poll started: grows when the workers fall behind.",
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 300),
    registry=REGISTRY,
)
ITEMS = Counter(
    "leakbot_items",
    "Posts read from sources, by whether they were new.",
    ["state"],
    registry=REGISTRY,
)
ALERTS_QUEUED = Counter(
    "leakbot_alerts_queued",
    "Alerts written to the outbox, per channel.",
    ["channel"],
    registry=REGISTRY,
)
ALERTS_DELIVERED = Counter(
    "leakbot_alerts_delivered",
    "Alerts a sink accepted, per channel.",
    ["channel"],
    registry=REGISTRY,
)
ALERTS_FAILED = Counter(
    "leakbot_alerts_failed",
    "Delivery attempts that failed and will be retried, per channel.",
    ["channel"],
    registry=REGISTRY,
)
ALERTS_SET_ASIDE = Counter(
    "leakbot_alerts_set_aside",
    "Alerts Discord refused outright (400), set aside as failed, per channel.",
    ["channel"],
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge("leakbot_outbox_depth", "Alerts waiting in the outbox.", registry=REGISTRY)
OUTBOX_OLDEST_SECONDS = Gauge(
    "leakbot_outbox_oldest_seconds",
    "Age of the oldest alert waiting in the outbox.",
    registry=REGISTRY,
)
DISCORD_429 = Counter(
    "leakbot_discord_429",
    "Rate-limit answers (429) from Discord, by scope.",
    ["scope"],
    registry=REGISTRY,
)
X_READS = Counter(
    "leakbot_x_reads",
    "Posts X billed (each post a read returns, once per UTC day), counted by this worker.",
    registry=REGISTRY,
)
X_SPENT = Gauge(
    "leakbot_x_spent_usd",
    "What X reads cost this month, every worker's, in US dollars (x.price_per_read_usd).",
    registry=REGISTRY,
)
X_PROJECTED = Gauge(
    "leakbot_x_projected_usd",
    "The month's X bill if reads go on at the rate so far, in US dollars.",
    registry=REGISTRY,
)
X_BUDGET = Gauge(
    "leakbot_x_budget_usd", "The monthly X budget (x.monthly_budget_usd).", registry=REGISTRY
)
X_POLL_EVERY = Gauge(
    "leakbot_x_poll_every_seconds",
    "How often an X source is polled to stay within the budget, per source.",
    ["source"],
    registry=REGISTRY,
)
X_HELD = Counter(
    "leakbot_x_held",
    "X requests not made because an endpoint's rate limit or the budget held them.",
    ["why"],
    registry=REGISTRY,
)
X_STREAM_CONNECTED = Gauge(
    "leakbot_x_stream_connected",
    "1 while this worker's filtered stream of X posts is connected.",
    registry=REGISTRY,
)

ITEM_STATES = ("new", "seen")
# what Discord's X-RateLimit-Scope says (bot.sinks.discord.rest.classify), "global" included
DISCORD_429_SCOPES = ("user", "global", "shared")
PER_CHANNEL = (ALERTS_QUEUED, ALERTS_DELIVERED, ALERTS_FAILED, ALERTS_SET_ASIDE)

for _outcome in PollOutcome:
    POLLS.labels(_outcome.value)
for _state in ITEM_STATES:
    ITEMS.labels(_state)
for _scope in DISCORD_429_SCOPES:
    DISCORD_429.labels(_scope)
for _why in ("rate-limit", "budget"):
    X_HELD.labels(_why)


def know_channels(channel_ids: Iterable[str]) -> None:
    """Start every per-channel alert counter of these channels at 0."""
    for channel_id in channel_ids:
        for counter in PER_CHANNEL:
            counter.labels(channel_id)
