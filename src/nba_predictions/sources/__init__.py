"""Data sources.  Each implements :class:`nba_predictions.sources.base.Source`.

The registry is explicit: ``SOURCES`` in :mod:`nba_predictions.sources.registry` maps a name to
a factory; a source is a constructor choice, never an ``if`` inside a step.
"""
