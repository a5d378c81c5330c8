"""Run ``sovra`` with the tests' command table, as the console script would:
``python sovra_launcher.py <args>`` (used until setup.cfg carries the entry points)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cli_commands import COMMANDS  # noqa: E402

from sovra_common.cli.app import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], commands=COMMANDS))
