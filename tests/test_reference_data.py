"""The tests and benchmarks stand alone: the reference data they read is in the repository.

It was read from ../shared/ref once, outside the repository, so a fresh clone with
nothing beside it failed 53 tests.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import REF, ROOT


def test_every_reference_folder_keeps_its_license_and_is_listed() -> None:
    listed = (REF / "README.md").read_text(encoding="utf-8")
    for license_file in (
        "discord/LICENSE",
        "x/LICENSE",
        "x/recorded/LICENSE",
        "feeds/captured/rss-parser/LICENSE",
        "feeds/captured/node-feedparser/LICENSE",
        "feeds/feedparser-corpus/LICENSE",
    ):
        assert (REF / license_file).is_file(), license_file
        assert f"`{license_file}`" in listed, f"{license_file} is not in the README's table"


def test_no_test_or_benchmark_reads_outside_the_repository() -> None:
    outside = re.compile(r"""(ROOT\.parent|parents\[\d\]\s*/\s*["']shared|["']\.\./shared)""")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("tests", "bench")
        for path in (ROOT / folder).rglob("*.py")
        if outside.search(path.read_text(encoding="utf-8")) and path != Path(__file__)
    ]
    assert offenders == []
