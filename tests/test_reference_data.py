"""The tests stand alone: the reference data they read is inside the repository.

It used to be read from a folder beside the clone, so a fresh clone with nothing beside
it failed 53 tests. The data now lives under tests/data/ref, copied with its licenses
(tests/data/ref/README.md says where each folder came from).
"""

from __future__ import annotations

from tests.conftest import REF, ROOT
from tests.fakes.discord import SPEC

LICENSES = (
    "discord/LICENSE",
    "x/LICENSE",
    "x/recorded/LICENSE",
    "feeds/captured/rss-parser/LICENSE",
    "feeds/captured/node-feedparser/LICENSE",
    "feeds/feedparser-corpus/LICENSE",
)


def test_every_reference_folder_keeps_its_license_and_is_listed() -> None:
    listed = (REF / "README.md").read_text(encoding="utf-8")
    for license_file in LICENSES:
        assert (REF / license_file).is_file(), license_file
        assert f"`{license_file}`" in listed, f"{license_file} is not in the README's table"


def test_the_reference_data_the_tests_read_is_inside_the_repository() -> None:
    repository = ROOT.resolve()
    read = [REF, SPEC, REF / "feeds" / "captured", REF / "x" / "recorded"]
    offenders = [str(path) for path in read if not path.resolve().is_relative_to(repository)]
    assert offenders == []
    assert all(path.exists() for path in read)
    assert len(list((REF / "feeds").rglob("*.*"))) > 2000  # the captured feeds and the corpus
