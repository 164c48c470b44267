import sys

from bench.segments.cli import main

if __name__ == "__main__":
    sys.exit(main())
