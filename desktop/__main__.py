"""``python -m desktop``: the window, or a subcommand."""

import sys

from desktop.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
