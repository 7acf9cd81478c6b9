"""Time parse_feed on the captured real-world feeds: the fast path against feedparser alone.

Run from the repository root, offline:

    python bench/bench_parse.py [--repeat K]     # K runs (5 by default)

Each captured feed under tests/data/ref/feeds/captured is parsed K times with
``parse_feed(fast=True)`` and K times with ``parse_feed(fast=False)`` in this one process,
on one core. It prints, for each way, the mean time per feed over the whole set (min and
median of the K runs), the median feed's time (its best run), the ratio, and how many
feeds took the fast path.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bot.errors import SourceError
from bot.sources.feed.parse import parse_feed

CAPTURED = Path(__file__).resolve().parents[1] / "tests" / "data" / "ref" / "feeds" / "captured"
URL = "https://feeds.example/feed.xml"
CONTENT_TYPE = "application/xml"


def _once(body: bytes, *, fast: bool) -> tuple[float, bool]:
    """Parse once; return the seconds it took and whether the fast path read it."""
    started = time.perf_counter()
    try:
        parsed = parse_feed(body, source_id="bench", url=URL, content_type=CONTENT_TYPE, fast=fast)
    except SourceError:
        return time.perf_counter() - started, False
    return time.perf_counter() - started, parsed.fast


def main() -> None:
    """Print the parse times of both ways over the captured feeds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each way (default 5)")
    args = parser.parse_args()
    bodies = [p.read_bytes() for p in sorted(CAPTURED.rglob("*.*")) if p.name != "LICENSE"]
    for body in bodies:  # warm both paths: imports, caches, the first lxml parser
        _once(body, fast=True)
        _once(body, fast=False)
    results: dict[str, tuple[list[float], list[float]]] = {}
    fast_taken = 0
    for label, fast in (("fast path", True), ("feedparser only", False)):
        run_means: list[float] = []
        best_per_feed = [float("inf")] * len(bodies)
        for _ in range(args.repeat):
            seconds = []
            for index, body in enumerate(bodies):
                took, was_fast = _once(body, fast=fast)
                seconds.append(took)
                best_per_feed[index] = min(best_per_feed[index], took)
                fast_taken += was_fast and fast and _ == 0
            run_means.append(statistics.fmean(seconds))
        results[label] = (run_means, best_per_feed)
    print(f"{len(bodies)} captured files, {args.repeat} runs of each way, one core")
    for label, (run_means, best_per_feed) in results.items():
        print(
            f"  {label:16} mean per feed: min {min(run_means) * 1000:6.2f} ms, "
            f"median {statistics.median(run_means) * 1000:6.2f} ms; "
            f"median feed {statistics.median(best_per_feed) * 1000:6.2f} ms"
        )
    fast_means, fast_best = results["fast path"]
    slow_means, slow_best = results["feedparser only"]
    print(
        f"  speed-up: {min(slow_means) / min(fast_means):.1f}x on the mean, "
        f"{statistics.median(slow_best) / statistics.median(fast_best):.1f}x on the median feed"
    )
    print(f"  {fast_taken} of {len(bodies)} files took the fast path")


if __name__ == "__main__":
    main()
