"""``python main.py …`` from the repository root, exactly as the spec writes it.

The same command line as ``nba-predictions …`` and ``python -m nba_predictions …``.
"""

import sys
from pathlib import Path

# Run from a checkout even before `pip install .`: prefer the repository's own package.
sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from nba_predictions.cli import main

if __name__ == "__main__":
    sys.exit(main())
