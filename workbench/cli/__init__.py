"""The ``workbench`` command line (SPEC §5). It only calls the Python API.

One module per area registers its commands on the group in :mod:`workbench.cli.base`.
"""

from workbench.cli import collector, config, data, results, send, triggers  # noqa: F401  (registers the commands)
from workbench.cli.base import main

__all__ = ["main"]
