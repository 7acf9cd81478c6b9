"""A leakbot process started as a user starts it, with its output collected as it comes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.conftest import ROOT


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
