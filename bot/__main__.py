"""Run the command line as ``python -m bot``, and as the ``leakbot`` script.

Parse workers import the main module of the process that started them, so this module
imports nothing heavy at the top: a worker started by ``leakbot run`` then holds the
parser and little else (about 24 MiB instead of 90).
"""

import sys


def run() -> int:
    """Run the command line and return its exit status."""
    from bot.cli import main

    return main()


if __name__ == "__main__":  # worker processes import this module too, and must not run it
    sys.exit(run())
