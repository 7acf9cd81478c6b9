"""The import layers, read from the source with ast: storage knows only bot.domain, nothing in
bot/ imports SQLAlchemy or sqlmodel, and the pure modules import no IO, even through another
module of ours."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = ("bot", "storage")
# what storage may import besides the standard library and itself
STORAGE_MAY = frozenset({"sqlalchemy", "sqlmodel", "alembic", "bot.domain"})
DATABASE = frozenset({"sqlalchemy", "sqlmodel"})
# IO: the network, Discord, X, feeds, the database, processes and the event loop
IO = frozenset(
    {
        "aiohttp",
        "tweepy",
        "feedparser",
        "discord",
        "sqlalchemy",
        "sqlmodel",
        "alembic",
        "storage",
        "asyncio",
        "subprocess",
        "socket",
    }
)
PURE = (
    "bot/polling/decide.py",
    "bot/polling/deletions.py",
    "bot/polling/backoff.py",
    "bot/polling/timetable.py",
    "bot/matching/*.py",
    "bot/stories/*.py",
    "bot/delivery/routing.py",
    "bot/delivery/alerts.py",
    "bot/delivery/decide.py",
    "bot/digest/build.py",
    "bot/config/managed.py",
    "bot/domain.py",
    "bot/clock.py",
    "bot/wording.py",
    "bot/masking.py",
)
# modules another engineer is still untangling; the lead removes each once it is done
NOT_YET_FREE_OF_SQLALCHEMY: dict[str, str] = {}
# pure modules that still reach IO, with why; empty: each one is checked
NOT_YET_PURE: dict[str, str] = {}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _exists(module: str) -> bool:
    path = ROOT.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _runtime_nodes(tree: ast.AST, *, at_import: bool = False) -> Iterator[ast.AST]:
    """Walk a module, leaving out ``if TYPE_CHECKING:`` blocks: they import nothing at run time;
    ``at_import`` leaves out function bodies too: what importing the module runs."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for other in node.orelse:
                yield other
                yield from _runtime_nodes(other, at_import=at_import)
            continue
        yield node
        if at_import and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        yield from _runtime_nodes(node, at_import=at_import)


@cache
def imports_of(path: Path, *, at_import: bool = False) -> frozenset[str]:
    """Return every module a file imports at run time, relative imports resolved; with
    ``at_import``, only those importing it imports (not those its functions import when
    called: the registries load a kind's reader or sink so, when the app builds one)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8")), at_import=at_import):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            if base == "__future__":
                continue
            for alias in node.names:
                inner = f"{base}.{alias.name}"
                found.add(inner if base.split(".")[0] in OURS and _exists(inner) else base)
    return frozenset(found)


def _top(module: str) -> str:
    return module.split(".")[0]


def _ours(module: str) -> Path | None:
    if _top(module) not in OURS or not _exists(module):
        return None
    path = ROOT.joinpath(*module.split("."))
    return path.with_suffix(".py") if path.with_suffix(".py").is_file() else path / "__init__.py"


def _with_parents(module: str) -> list[str]:
    """Return a module and the packages importing it imports first."""
    parts = module.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts) + 1)]


def io_reached(path: Path) -> dict[str, list[str]]:
    """Return each IO module a file reaches, through modules of ours, with the path to it."""
    reached: dict[str, list[str]] = {}
    seen: set[Path] = {path}
    todo: list[tuple[Path, list[str]]] = [(path, [_module_name(path)])]
    while todo:
        current, trail = todo.pop()
        for module in sorted(imports_of(current, at_import=True)):
            if _top(module) in IO:
                reached.setdefault(module, [*trail, module])
                continue
            for step in _with_parents(module):
                nested = _ours(step)
                if nested is not None and nested not in seen:
                    seen.add(nested)
                    todo.append((nested, [*trail, step]))
    return reached


def _pure_files() -> list[Path]:
    files: list[Path] = []
    for pattern in PURE:
        matched = sorted(ROOT.glob(pattern))
        files.extend(path for path in matched if path not in files)
    return files


def _param(path: Path, xfails: dict[str, str] | None = None) -> object:
    name = _module_name(path)
    reason = (xfails or {}).get(name)
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(path, id=str(path.relative_to(ROOT)), marks=marks)


def test_every_pure_module_named_exists() -> None:
    """A pure module renamed or moved must be named here again, not silently unchecked."""
    missing = [pattern for pattern in PURE if not list(ROOT.glob(pattern))]
    assert not missing, f"no such module: {missing}"


@pytest.mark.parametrize("path", [_param(p) for p in _files("storage")])
def test_storage_imports_only_bot_domain(path: Path) -> None:
    """storage knows domain nouns only, never bot's logic."""
    wrong = sorted(
        module
        for module in imports_of(path)
        if _top(module) not in sys.stdlib_module_names
        and _top(module) != "storage"
        and module not in STORAGE_MAY
        and _top(module) not in STORAGE_MAY
    )
    assert not wrong, f"{path.relative_to(ROOT)} imports {', '.join(wrong)}"


@pytest.mark.parametrize("path", [_param(p, NOT_YET_FREE_OF_SQLALCHEMY) for p in _files("bot")])
def test_no_bot_module_imports_sqlalchemy(path: Path) -> None:
    """bot talks to the database through storage's functions and StorageError only."""
    wrong = sorted(module for module in imports_of(path) if _top(module) in DATABASE)
    assert not wrong, f"{path.relative_to(ROOT)} imports {', '.join(wrong)}"


@pytest.mark.parametrize("path", [_param(p, NOT_YET_PURE) for p in _pure_files()])
def test_pure_modules_import_no_io(path: Path) -> None:
    """A pure module is plain Python over plain data: no IO, not even through a module of
    ours that imports some."""
    reached = io_reached(path)
    shown = "; ".join(" -> ".join(trail) for trail in reached.values())
    assert not reached, f"{path.relative_to(ROOT)} reaches IO: {shown}"
