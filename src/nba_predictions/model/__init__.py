"""The rating model: win probability, the Excitement Index label, training and loading.

Sub-modules are imported explicitly (``from nba_predictions.model.loader import load_model``);
this package imports nothing itself, so importing it costs nothing and pulls in no numpy, scipy
or xgboost.  numpy and scipy are used only inside this package; xgboost is imported lazily inside
the functions that need it.  Rating (:mod:`.loader`) runs the model in ``libxgboost`` through its
C API (:mod:`.native`), so a one-date run imports neither the xgboost package nor the scipy it
pulls in, nor numpy; a batch of many games gets its per-feature contributions from per-tree
tables (:mod:`.contributions`).  Both give XGBoost's own numbers.
"""
