"""The Docker image and compose file as a self-hoster meets them: pinned versions in step
with pyproject.toml, a small build context, a compose file older Compose reads, a password
any character works in, a one-line healthcheck, and a wrong setting said once, not looped."""

from __future__ import annotations

import asyncio
import fnmatch
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import tomllib
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from bot.ops.http_server import HttpServer
from bot.ops.vitals import Vitals
from storage.db import parse_url
from tests.clock import Clock
from tests.conftest import ROOT
from tests.fakes.feed_server import FeedServer, Post
from tests.running import free_port

# a password with every character a URL, YAML or a shell reserves
PASSWORD = "p@ss#w/rd?:%&'\" $x;`{}"
REFUSED = "<urlopen error [Errno 111] Connection refused>"  # nothing listens: Linux's words


def _dockerfile() -> list[str]:
    """Return the Dockerfile's instructions, continued lines joined, comments left out."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return [line for line in "\n".join(lines).replace("\\\n", "").splitlines() if line.strip()]


def _exec_form(instruction: str) -> list[str]:
    """Return the JSON argument list of the one Dockerfile instruction named (CMD, …)."""
    found = [line for line in _dockerfile() if line.split()[0] == instruction]
    assert len(found) == 1, found
    arguments: list[str] = json.loads(found[0][found[0].index("[") :])
    return arguments


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def _keys(node: object) -> list[str]:
    """Return every mapping key in a YAML document, however deep."""
    if isinstance(node, dict):
        return [str(k) for k in node] + [k for value in node.values() for k in _keys(value)]
    if isinstance(node, list):
        return [k for item in node for k in _keys(item)]
    return []


def _pins() -> dict[NormalizedName, Version]:
    pins: dict[NormalizedName, Version] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, equals, version = line.partition("==")
            assert equals, f"constraints.txt: {line!r} is not NAME==VERSION"
            pins[canonicalize_name(name)] = Version(version)
    return pins


def _image_python() -> str:
    """Return the Python version of the image's base (FROM python:3.11-slim gives 3.11)."""
    found = re.search(r"^FROM python:(\d+\.\d+)", "\n".join(_dockerfile()), re.MULTILINE)
    assert found, "the Dockerfile does not start FROM python:X.Y"
    return found.group(1)


def _applies(marker: Marker | None, extras: set[str], python: str) -> bool:
    if marker is None:
        return True
    environment = {"python_version": python, "python_full_version": f"{python}.0"}
    return any(marker.evaluate({**environment, "extra": e}) for e in extras or {""})


def test_constraints_pin_every_runtime_dependency_within_pyproject_ranges() -> None:
    """Every runtime dependency and each of theirs, on the image's Python, is pinned once to a
    version each requirement on it allows, and nothing else is pinned."""
    python = _image_python()
    pins = _pins()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    queue = [Requirement(text) for text in project["dependencies"]]
    needed: set[NormalizedName] = set()
    wrong: list[str] = []
    while queue:
        requirement = queue.pop()
        name = canonicalize_name(requirement.name)
        pin = pins.get(name)
        if pin is None:
            wrong.append(f"{requirement} is not pinned")
            continue
        if not requirement.specifier.contains(pin, prereleases=True):
            wrong.append(f"{name}=={pin} is outside {requirement}")
        if name in needed and not requirement.extras:
            continue
        needed.add(name)
        for text in distribution(requirement.name).requires or []:
            required = Requirement(text)
            if _applies(required.marker, requirement.extras, python):
                queue.append(required)
    assert wrong == []
    assert sorted(set(pins) - needed) == [], "pinned but no longer needed"


def test_the_image_installs_the_pinned_versions() -> None:
    copied = [line.split()[1:-1] for line in _dockerfile() if line.startswith("COPY ")]
    assert any("constraints.txt" in sources for sources in copied)
    installs = [line for line in _dockerfile() if "pip install" in line]
    assert len(installs) == 1
    assert re.search(r"pip install .*-c constraints\.txt \.", installs[0]), installs[0]


def _sent(path: str, patterns: list[str]) -> bool:
    """Tell whether .dockerignore's patterns let a path into the build context."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if pattern.startswith("**/"):
            if any(fnmatch.fnmatchcase(part, pattern[3:]) for part in parts):
                return False
        elif any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes):
            return False
    return True


def test_the_build_context_leaves_out_the_venv_data_git_and_secrets() -> None:
    text = (ROOT / ".dockerignore").read_text()
    patterns = [line.strip() for line in text.splitlines() if line.strip()]
    patterns = [p for p in patterns if not p.startswith("#")]
    assert not any(p.startswith("!") for p in patterns)  # this check reads no exceptions
    for path in (
        ".venv/bin/python",
        "data/leakbot.db",
        ".git/HEAD",
        ".env",
        "bot/__pycache__/a.pyc",
    ):
        assert not _sent(path, patterns), f"{path} would be sent to the Docker daemon"
    copied = [s for line in _dockerfile() if line.startswith("COPY ") for s in line.split()[1:-1]]
    assert {"pyproject.toml", "README.md", "constraints.txt", "bot", "storage", "config"} <= set(
        copied
    )
    for source in copied:
        assert (ROOT / source).exists(), source
        assert _sent(source, patterns), f"the Dockerfile copies {source}, .dockerignore drops it"
        for inside in (ROOT / source).rglob("*"):
            relative = inside.relative_to(ROOT).as_posix()
            if inside.is_file() and "__pycache__" not in relative:
                assert _sent(relative, patterns), relative


def test_the_compose_file_needs_no_newer_compose_and_passes_any_password() -> None:
    compose = _compose()
    assert "required" not in _keys(compose)  # env_file's `required:` needs Compose 2.24
    bot = compose["services"]["bot"]
    assert isinstance(bot["env_file"], str | list)
    if isinstance(bot["env_file"], list):
        assert all(isinstance(entry, str) for entry in bot["env_file"])
    environment = bot["environment"]
    # the password is not pasted into the URL, where '@', '#', '/' or '?' would break it
    assert "$" not in environment["DATABASE_URL"]
    assert environment["PGPASSWORD"] == "${POSTGRES_PASSWORD:-leakbot}"
    assert compose["services"]["db"]["environment"]["POSTGRES_PASSWORD"] == (
        "${POSTGRES_PASSWORD:-leakbot}"
    )
    url = parse_url(environment["DATABASE_URL"])
    assert (url.username, url.password, url.host, url.database) == (
        "leakbot",
        None,
        "db",
        "leakbot",
    )


def _healthcheck() -> list[str]:
    """Return the healthcheck's command, the same in the Dockerfile and the compose file."""
    image = _exec_form("HEALTHCHECK")
    assert image[:3] == ["CMD", "python", "-c"] or image[:2] == ["python", "-c"]
    code = image[-1]
    compose = _compose()["services"]["bot"]["healthcheck"]["test"]
    assert compose[:3] == ["CMD", "python", "-c"]
    assert compose[3].strip() == code.strip(), "the compose file runs other code"
    return [sys.executable, "-c", code]


async def _check(port: int) -> tuple[int, str, str]:
    env = {**os.environ, "LEAKBOT_HTTP_ADDR": f"0.0.0.0:{port}"}
    process = await asyncio.create_subprocess_exec(
        *_healthcheck(), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_healthcheck_prints_one_line_with_the_status_and_the_reason() -> None:
    clock = Clock()
    vitals = Vitals(now=clock)
    port = free_port()
    assert await _check(port) == (1, "", f"/healthz did not answer: {REFUSED}\n")
    server = HttpServer(vitals, "127.0.0.1", port)
    await server.start()
    try:
        assert await _check(port) == (0, "200 ok\n", "")
        vitals.parser_failed("pebble: Unexpected error within the Pool")
        assert await _check(port) == (
            1,
            "503 the feed parser cannot parse since 2026-11-24T08:00:00+00:00: "
            "pebble: Unexpected error within the Pool\n",
            "",
        )
    finally:
        await server.stop()


class Container:
    """The image's command (the Dockerfile's CMD) run with this checkout's leakbot."""

    def __init__(self, home: Path, env: dict[str, str]) -> None:
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
        self.process = subprocess.Popen(
            _exec_form("CMD"),
            cwd=home,
            env={**os.environ, **env, "PATH": path, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str, seconds: float) -> None:
        """Wait until a line matches; fail the test if none does in time."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not re.search(pattern, self.output):
            time.sleep(0.05)
        assert re.search(pattern, self.output), self.output

    def stop(self, signum: signal.Signals) -> int:
        """Send a signal as Docker does on a stop; return the exit status."""
        self.process.send_signal(signum)
        code = self.process.wait(20)
        self._reader.join(5)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


def _environment(home: Path, config: str, database_url: str) -> dict[str, str]:
    (home / "leakbot.yaml").write_text(config)
    return {
        "LEAKBOT_CONFIG": str(home / "leakbot.yaml"),
        "DATABASE_URL": database_url,
        "LEAKBOT_ALLOW_PRIVATE_URLS": "1",
        "LEAKBOT_HTTP_ADDR": "",
        "DISCORD_TOKEN": "",
        "X_BEARER_TOKEN": "",
    }


CONFIG = """
sources:
  - id: tipster
    feed: {feed}
watches:
  - id: pixel
    any: ["Pixel 11"]
"""


def test_a_wrong_setting_in_the_container_is_said_once_and_not_looped(tmp_path: Path) -> None:
    env = _environment(
        tmp_path,
        CONFIG.format(feed="https://example.com/feed"),
        f"mysqlx://leakbot:{PASSWORD}@db/leakbot",
    )
    container = Container(tmp_path, env)
    try:
        container.wait_for(r"not restarted until then", 30)
        time.sleep(1)
        # it waits: a restart policy sees nothing to restart
        assert container.process.poll() is None
        assert container.stop(signal.SIGTERM) == 2
    finally:
        container.kill()
    output = container.output
    assert output.count("environment: DATABASE_URL: not a database URL") == 1, output
    assert "p@ss" not in output and "w/rd" not in output
    assert output.splitlines()[-1] == (
        "leakbot: a setting is wrong (above); fix it, then docker compose up -d "
        "(not restarted until then)"
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_the_container_command_stops_leakbot_cleanly(
    tmp_path: Path, feeds: FeedServer, stop_signal: signal.Signals
) -> None:
    feeds.publish_rss("tipster", [Post("a", "Old news")])
    env = _environment(
        tmp_path, CONFIG.format(feed=feeds.url("tipster")), f"sqlite:///{tmp_path / 'l.db'}"
    )
    container = Container(tmp_path, env)
    try:
        container.wait_for(r"first poll, 1 item recorded", 60)
        # leakbot got the signal and stopped cleanly
        assert container.stop(stop_signal) == 0, container.output
    finally:
        container.kill()
