"""`python -m indexer.restoration restore-image | train | evaluate ...` (see cli.py)."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
