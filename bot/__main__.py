"""Run the command line as ``python -m bot``, and as the ``leakbot`` script.

Parse workers import the main module of the process that started them, so this module
imports nothing heavy at the top: a worker started by ``leakbot run`` then holds the
parser and little else (about 24 MiB instead of 90).
"""

import signal
import sys
from types import FrameType


def run() -> int:
    """Run the command line and return its exit status."""
    # Ctrl-C while the command line imports is held until the imports are done: raised in
    # the middle of them it can land inside a library that wraps it (pydantic-core turns
    # it into a SchemaError), and the user would see a crash for a stop they asked for
    interrupted = False

    def hold(signum: int, frame: FrameType | None) -> None:
        nonlocal interrupted
        interrupted = True

    previous = signal.signal(signal.SIGINT, hold)
    try:
        from bot.cli.main import main
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted:
        return 0
    try:
        return main()
    except KeyboardInterrupt:
        # Ctrl-C before the command took charge of it (reading the config or opening the
        # database): a stop the user asked for, not a crash to show
        return 0


if __name__ == "__main__":  # worker processes import this module too, and must not run it
    sys.exit(run())
