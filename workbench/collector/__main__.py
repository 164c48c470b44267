"""``python -m workbench.collector [--port …]`` is ``workbench collector [--port …]``."""

import sys

from workbench.cli import main

if __name__ == "__main__":
    main(["collector", *sys.argv[1:]], prog_name="workbench")
