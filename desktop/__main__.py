"""``python -m desktop``: the window, or a subcommand."""

import multiprocessing
import sys

from desktop.cli.main import main

if __name__ == "__main__":
    # In the frozen app, a child process the window spawns (its store server) re-runs this
    # entry point; freeze_support hands it over to multiprocessing instead of Fathom.
    multiprocessing.freeze_support()
    sys.exit(main())
