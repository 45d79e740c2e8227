"""The one-game feature functions and the vectorised ones are equal, value for value (property-based).

Random valid games (record, timeline, context) go through both computations behind the one entry
point, :func:`nba_predictions.features.matrix.compute_features`, and through each feature group's
pair of functions (:mod:`nba_predictions.features.context` with the stakes,
:mod:`nba_predictions.features.timeline`, :mod:`nba_predictions.features.performance`).  The random
games are regular-season, playoff (any possible series state), play-in and Cup-final games, with
or without players' lines.
The hand-computed values are in test_features.py and test_timeline.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nba_predictions.core.domain import GameContext, GameRecord, ScoreTimeline
from nba_predictions.errors import GameDataError
from nba_predictions.features import context as fc
from nba_predictions.features import timeline as tl
from nba_predictions.features.events import EventArrays
from nba_predictions.features.matrix import compute_features, feature_values
from nba_predictions.features.performance import player_lines_columns, timeline_performance
from nba_predictions.features.spec import ALL_FEATURES
from tests.unit.test_features import games

Game = tuple[GameRecord, ScoreTimeline, GameContext]


@settings(max_examples=100, deadline=None)
@given(st.lists(games(), max_size=6))
def test_context_columns_equal_the_one_game_functions(batch: list[Game]) -> None:
    records, _, contexts = zip(*batch) if batch else ((), (), ())
    columns = fc.context_columns(list(records), list(contexts))
    for i, (record, _, ctx) in enumerate(batch):
        assert {name: columns[name][i].item() for name in columns} == fc.context_values(record, ctx)


@settings(max_examples=100, deadline=None)
@given(st.lists(games(), max_size=6))
def test_timeline_columns_equal_the_one_game_functions(batch: list[Game]) -> None:
    columns = tl.timeline_columns(EventArrays.from_timelines([t for _, t, _ in batch]))
    for i, (_, timeline, _) in enumerate(batch):
        assert {name: columns[name][i].item() for name in columns} == tl.timeline_values(timeline)


@settings(max_examples=100, deadline=None)
@given(st.lists(games(), max_size=6), st.data())
def test_the_entry_point_gives_the_same_rows_both_ways(batch: list[Game], data: st.DataObject) -> None:
    records = [r for r, _, _ in batch]
    contexts = [c for _, _, c in batch]
    timelines = [t for _, t, _ in batch]
    # Some games lose their last scores: both paths must refuse exactly those, for the same reason.
    for i in data.draw(st.sets(st.integers(0, max(len(batch) - 1, 0)), max_size=2)) if batch else ():
        if len(timelines[i].events) > 1:
            timelines[i] = ScoreTimeline(periods=timelines[i].periods, events=timelines[i].events[:-1])
    one = compute_features(records, contexts, timelines, vectorised=False)
    many = compute_features(records, contexts, timelines, vectorised=True)
    assert one.kept == many.kept
    assert {i: str(e) for i, e in one.problems.items()} == {i: str(e) for i, e in many.problems.items()}
    assert all(isinstance(e, GameDataError) for e in one.problems.values())
    assert len(many.rows) == len(one.rows)
    for a, b in zip(one.rows, np.asarray(many.rows).tolist()):
        assert feature_values(a) == feature_values(b)
        assert list(feature_values(a)) == list(ALL_FEATURES)
    # Already computed columns (the backfill's input) give the same rows.
    kept = [timelines[i] for i in one.kept]
    columns = tl.timeline_columns(EventArrays.from_timelines(kept))
    again = compute_features(
        [records[i] for i in one.kept],
        [contexts[i] for i in one.kept],
        columns,
        player_lines=[t.player_lines for t in kept],
    )
    assert np.asarray(again.rows).tolist() == np.asarray(many.rows).tolist()
    with pytest.raises(TypeError, match="need player_lines"):  # arrays carry no players' lines: say them
        compute_features([records[i] for i in one.kept], [contexts[i] for i in one.kept], columns)


@settings(max_examples=100, deadline=None)
@given(st.lists(games(), max_size=6))
def test_performance_columns_equal_the_one_game_function(batch: list[Game]) -> None:
    lines = [t.player_lines for _, t, _ in batch]
    columns = player_lines_columns(lines)
    for i, game_lines in enumerate(lines):
        assert {name: columns[name][i].item() for name in columns} == timeline_performance(game_lines)
