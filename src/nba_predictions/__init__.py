"""nba-predictions: spoiler-free 0-100 watchability ratings for completed NBA games.

The pipeline has four steps, one module each under :mod:`nba_predictions.steps`:
collection -> features -> prediction -> storage.  Nothing is computed at import time.
"""

__version__ = "0.1.0"
