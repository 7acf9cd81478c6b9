"""Run the command line as ``python -m bot``, and as the ``leakbot`` script.

Parse workers import the main module of the process that started them, so this module
imports nothing heavy at the top: a worker started by ``leakbot run`` then holds the
parser and little else (about 24 MiB instead of 90).
"""

import sys


def run() -> int:
    """Run the command line and return its exit status."""
    try:
        from bot.cli.main import main

        return main()
    except KeyboardInterrupt:
        # Ctrl-C before the command took charge of it (while importing, reading the config
        # or opening the database): a stop the user asked for, not a crash to show
        return 0


if __name__ == "__main__":  # worker processes import this module too, and must not run it
    sys.exit(run())
