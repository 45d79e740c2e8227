"""The rating model: win probability, the Excitement Index label, training and loading.

Sub-modules are imported explicitly (``from nba_predictions.model.loader import load_model``);
this package imports nothing itself, so importing it costs nothing and pulls in no numpy, scipy
or xgboost.  numpy and scipy are used only inside this package; xgboost is imported lazily inside
the functions that need it.
"""
