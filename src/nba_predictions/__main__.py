"""``python -m nba_predictions``: the same command line as ``nba-predictions`` and ``main.py``."""

import sys

from nba_predictions.cli import main

sys.exit(main())
