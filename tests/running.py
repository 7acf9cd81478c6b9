"""A leakbot process started as a user starts it, with its output collected as it comes."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from tests.conftest import ROOT

# what a test machine may have set that must not reach a leakbot under test
FOREIGN = ("DISCORD_TOKEN", "X_BEARER_TOKEN", "HTTP_PROXY", "HTTPS_PROXY", "LEAKBOT_HTTP_ADDR")


def free_port() -> int:
    """Return a loopback port nothing listens on now (for LEAKBOT_HTTP_ADDR)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def read_metrics(port: int) -> dict[str, float]:
    """Read a leakbot's /metrics on loopback, never through a proxy: each leakbot_ sample."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {
        name: float(value)
        for name, value in re.findall(r"^(leakbot_\S+) (\S+)$", text, flags=re.MULTILINE)
    }


def bench_env(home: Path, *, database_url: str, api_base: str, log_level: str) -> dict[str, str]:
    """Return the environment of a leakbot a benchmark starts: its config in ``home``,
    Discord faked at ``api_base``, loopback feeds allowed, nothing of the machine's secrets."""
    env = {name: value for name, value in os.environ.items() if name not in FOREIGN}
    return {
        **env,
        "PYTHONPATH": str(ROOT),
        "LEAKBOT_CONFIG": str(home / "leakbot.yaml"),
        "DATABASE_URL": database_url,
        "DISCORD_API_BASE_URL": api_base,
        "LEAKBOT_ALLOW_PRIVATE_URLS": "1",
        "LEAKBOT_LOG_LEVEL": log_level,
    }


class Running:
    """A ``leakbot`` process whose combined output is collected as it comes."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        # the console script pip installed, as the README runs it; else the module
        script = Path(sys.executable).with_name("leakbot")
        command = [str(script)] if script.exists() else [sys.executable, "-m", "bot"]
        self.process = subprocess.Popen(
            [*command, *args],
            cwd=cwd,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
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

    def wait_for(self, done: re.Pattern[str], seconds: float) -> str:
        """Wait until the output matches, the process ends, or time runs out."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not done.search(self.output):
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        return self.output

    def stop(self, signum: signal.Signals = signal.SIGTERM) -> int:
        """Send a signal and return the exit status."""
        self.process.send_signal(signum)
        code = self.process.wait(20)
        self._reader.join(5)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
