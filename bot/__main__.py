"""Run the command line as ``python -m bot``."""

import sys

from bot.cli import main

if __name__ == "__main__":  # worker processes import this module too, and must not run it
    sys.exit(main())
