"""Segment evaluation benchmark (issue #9); the code is in ``bench/segments/``.

scripts/bench.sh [options]            # or: python -m bench.segments_bench [options]
"""

import sys

from bench.segments.cli import main

if __name__ == "__main__":
    sys.exit(main())
