"""The README and docs/: every link lands, the reference is complete, the test command is CI's."""

from __future__ import annotations

import importlib
import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
PAGES = [README, ROOT / "bench" / "README.md", *sorted(DOCS.glob("*.md"))]

# the reference the README sends a reader to, one file a topic
TOPICS = [
    "benchmarks",
    "command-line",
    "configuration",
    "deletions",
    "delivery",
    "digest",
    "discord",
    "feeds",
    "layout",
    "operations",
    "security",
    "stories",
    "watch-terms",
    "workers",
    "x",
]
# the packages docs/layout.md must account for, module by module
# every package of bot/ and storage/ (the migrations and the embedded defaults are data)
PACKAGES = sorted(
    init.parent.relative_to(ROOT).as_posix()
    for top in ("bot", "storage")
    for init in (ROOT / top).rglob("__init__.py")
    if not {"migrations", "defaults"} & set(init.parent.parts)
)
README_MOST_LINES = 300  # a newcomer's page: the reference lives in docs/

FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
LINK = re.compile(r"\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(([^()\s]+)\)")
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
DOTTED = re.compile(r"(?<![\w./-])((?:bot|storage)(?:\.[A-Za-z_]\w*)+)")


def _prose(text: str) -> str:
    """Return the text with fenced code blocks and code spans taken out."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def _slug(heading: str) -> str:
    """Return the anchor GitHub gives a heading."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").replace("*", "")
    kept = "".join(c for c in text.lower() if unicodedata.category(c)[0] in "LMN" or c in " -_")
    return kept.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    """Return every heading anchor of a Markdown page, duplicates numbered as GitHub does."""
    seen: dict[str, int] = {}
    anchors = set()
    for heading in HEADING.findall(FENCE.sub("", page.read_text(encoding="utf-8"))):
        slug = _slug(heading)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _links(page: Path) -> list[str]:
    """Return the relative link targets of a Markdown page (web addresses left out)."""
    targets = LINK.findall(_prose(page.read_text(encoding="utf-8")))
    return [t for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*:", t)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_lands(page: Path) -> None:
    """Follow each relative link of a page to an existing file and heading in the repository."""
    broken = []
    for target in _links(page):
        path, _, anchor = target.partition("#")
        landing = (page.parent / path).resolve() if path else page
        if not landing.is_relative_to(ROOT) or not landing.exists():
            broken.append(f"{target}: no such file")
        elif anchor and landing.suffix == ".md" and anchor not in _anchors(landing):
            broken.append(f"{target}: no heading #{anchor} in {landing.relative_to(ROOT)}")
    assert not broken, f"{page.relative_to(ROOT)}: broken links:\n" + "\n".join(broken)


def test_the_readme_links_the_reference_for_every_topic() -> None:
    """Find one docs/ file a topic, each linked from the README."""
    linked = {(ROOT / t.partition("#")[0]).resolve() for t in _links(README)}
    missing = [f"docs/{topic}.md" for topic in TOPICS if not (DOCS / f"{topic}.md").exists()]
    unlinked = [f"docs/{topic}.md" for topic in TOPICS if (DOCS / f"{topic}.md") not in linked]
    assert not missing, f"the reference lacks {', '.join(missing)}"
    assert not unlinked, f"README.md does not link {', '.join(unlinked)}"


def test_the_readme_stays_a_newcomers_page() -> None:
    """Keep the README short enough to read first: the reference lives in docs/."""
    lines = len(README.read_text(encoding="utf-8").splitlines())
    assert lines <= README_MOST_LINES, (
        f"README.md has {lines} lines, more than {README_MOST_LINES}: move reference to docs/"
    )


def test_the_readme_test_command_is_the_one_ci_runs() -> None:
    """Find the command .ci/run runs as the README's test command in the README, verbatim."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    marker = ci.index("# The README's test command:")
    command = ci[marker + 1].strip()
    assert command == "python -m pytest", f".ci/run:{marker + 2}: runs {command!r}"
    fresh = "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' && "
    fresh += command
    assert f"\n{fresh}\n" in README.read_text(encoding="utf-8"), (
        f"README.md does not give the test command {fresh!r}"
    )


def test_layout_names_every_module() -> None:
    """Find each module of bot/ and storage/ named, by its path, in docs/layout.md."""
    layout = (DOCS / "layout.md").read_text(encoding="utf-8")
    modules = [
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for path in sorted((ROOT / package).glob("*.py"))
    ]
    # a package's __init__.py is named by its folder (`bot/config/`)
    unnamed = [
        module
        for module in modules
        if f"`{module}`" not in layout
        and not (module.endswith("/__init__.py") and f"`{module[: -len('__init__.py')]}`" in layout)
    ]
    assert not unnamed, "docs/layout.md does not name " + ", ".join(unnamed)


def _resolves(dotted: str) -> bool:
    """Tell whether a dotted name is a module of the project, or a name defined in one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            if not hasattr(found, name):
                return False
            found = getattr(found, name)
        return True
    return False


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_dotted_name_of_the_code_exists(page: Path) -> None:
    """Import each ``bot.…`` and ``storage.…`` name a page gives, so none names old code."""
    names = sorted(set(DOTTED.findall(page.read_text(encoding="utf-8"))))
    stale = [name for name in names if not _resolves(name)]
    assert not stale, f"{page.relative_to(ROOT)} names what the code lacks: {', '.join(stale)}"
