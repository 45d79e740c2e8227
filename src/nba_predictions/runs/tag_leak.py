"""The tags' leak table over a whole archive (see :mod:`nba_predictions.features.tags`).

The features come from the vectorised whole-range pass training uses
(:func:`~nba_predictions.features.matrix.range_features`), each game's result from its record,
and the teams' records before the game from the same
:class:`~nba_predictions.features.history.History` the context features read (regular-season
standings strictly before the game date).
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from nba_predictions.core.domain import GameRecord
from nba_predictions.features.history import History, load_history
from nba_predictions.features.matrix import RangeSource, range_features
from nba_predictions.features.tags import LeakTable, leak_table


class CoveredSource(RangeSource, Protocol):
    def coverage(self) -> tuple[date, date]:
        """First and last date with score timelines."""
        ...


def archive_leak_table(source: CoveredSource) -> LeakTable:
    """The leak table of every candidate tag over every game of ``source`` with features."""
    import numpy as np

    first, last = source.coverage()
    history = load_history(source, first, last)
    table = range_features(source, first, last, history)
    home_won = np.array([r.home_team_score > r.away_team_score for r in table.records], dtype=np.float64)
    win_pcts: dict[date, dict[int, float]] = {}
    better_won = np.array([_better_won(history, win_pcts, r) for r in table.records], dtype=np.float64)
    return leak_table(table.matrix, home_won, better_won)


def _better_won(history: History, win_pcts: dict[date, dict[int, float]], record: GameRecord) -> float:
    """1.0 if the team with the better win pct before the game won, 0.0 if not, NaN if level or
    either had not played yet."""
    pcts = win_pcts.get(record.date)
    if pcts is None:
        pcts = {row.team_id: row.wins / row.games for row in history.standings(record.date) if row.games}
        win_pcts[record.date] = pcts
    home, away = pcts.get(record.home_team_id), pcts.get(record.away_team_id)
    if home is None or away is None or home == away:
        return float("nan")
    return float((record.home_team_score > record.away_team_score) == (home > away))
