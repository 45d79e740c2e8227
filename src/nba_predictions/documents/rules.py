"""The game-level input rules: what every game must satisfy beyond its document's schema.

A game that breaks one is refused on its own: it is left out of the step's output and reported,
with the rule it broke, in ``metadata.skipped_games`` and the run summary (exit code 1); the
document's other games go on.  The rules are checked on every document a step reads and on every
game a source lists (a misbehaving API is refused the same way as a hand-edited file).

The document level -- syntax, types and ranges of each field, counts, each game listed once: the
whole file refused with one line naming the file and the field, nothing written -- lives with the
models (:mod:`nba_predictions.documents.models`, :mod:`nba_predictions.core.domain`) and the reader
(:mod:`nba_predictions.documents.io`).  The README's "Input rules" and docs/DOCUMENTS.md list both.

Pure functions over validated models; ``today`` is handed in by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from nba_predictions.core import teams
from nba_predictions.core.domain import GameRecord
from nba_predictions.core.season import DIGIT_SEASON_TYPES, Season
from nba_predictions.documents.models import (
    ALL_FEATURES,
    CollectedGame,
    CollectedGames,
    EngineeredFeatures,
    FeaturedGame,
    Prediction,
    Predictions,
    SkippedGame,
    Step,
)
from nba_predictions.errors import ArtifactError, GameDataError
from nba_predictions.features.spec import STAKES_NAMES, WINDOWED_FEATURES
from nba_predictions.features.stakes import playoff_round, series_game, stakes_values

NBA_LEAGUE_ID = "00"  # the first two digits of every NBA game id (10 = WNBA, 20 = G League)
# What the archive holds and the model knows, and the NBA Cup final (game id 006...: a game like any
# other for the model; the standings and head-to-head leave it out, see features/history.py).
RATED_SEASON_TYPES = ("Regular Season", "Playoffs", "Play-In", "NBA Cup Final")
FINAL_STATUS = re.compile(r"^Final(?:/\d*OT)?$")  # Final, Final/OT, Final/2OT, ...
MAX_POINTS = 250  # one team in one game; the NBA record is 186
MAX_COUNT = 150  # lead changes or times tied in one game; far above any NBA game
MAX_ATTENDANCE = 150_000  # the NBA record is 108,713
MAX_OVERTIMES = 6  # a timeline has at most 10 periods
TOLERANCE_SECONDS = 1e-6  # time features are sums of floats


def _sides(record: GameRecord) -> tuple[tuple[str, int, str], tuple[str, int, str]]:
    return (
        ("home", record.home_team_id, record.home_team_abbreviation),
        ("away", record.away_team_id, record.away_team_abbreviation),
    )


def record_problem(
    record: GameRecord,
    *,
    today: date | None = None,
    target_date: date | None = None,
    span: tuple[date, date] | None = None,
) -> str | None:
    """The first game-level rule ``record`` breaks, as one line naming the field, else None.

    ``today`` (US Eastern) refuses games dated after it; ``target_date`` (the document's, or the
    date a source was asked for) refuses games of another date; ``span`` (a backfill's range
    document: its ``first_date`` and ``last_date``) refuses games outside it.
    """
    game_id = record.game_id
    if not game_id.startswith(NBA_LEAGUE_ID):
        return f"game_id {game_id} is not an NBA game id (NBA game ids start with {NBA_LEAGUE_ID})"
    kind = DIGIT_SEASON_TYPES.get(game_id[2], "unknown")
    if kind not in RATED_SEASON_TYPES:
        return (
            f"game_id {game_id} is a game of type {kind!r} (digit {game_id[2]}): only regular-season, "
            "play-in, playoff and NBA Cup final games are rated"
        )
    season = Season.of_game_id(game_id)
    for side, team_id, abbreviation in _sides(record):
        try:
            spellings = teams.abbreviations(team_id, season)
        except teams.UnknownTeamError as exc:
            return f"{side}_team_id: {exc}"
        if abbreviation not in spellings:
            return (
                f"{side}_team_abbreviation {abbreviation!r} is not the abbreviation of team {team_id} in "
                f"{season} ({spellings[0]})"
            )
    if Season.of_date(record.date) != season:
        return f"date {record.date} is not in the {season} season that game_id {game_id} belongs to"
    if today is not None and record.date > today:
        return (
            f"date {record.date} is in the future (today is {today}, US Eastern): a game not played yet cannot be rated"
        )
    if target_date is not None and record.date != target_date:
        return f"date {record.date} is not the document's target_date {target_date}"
    if span is not None and not span[0] <= record.date <= span[1]:
        return f"date {record.date} is outside the document's range, first_date {span[0]} to last_date {span[1]}"
    if not FINAL_STATUS.match(record.game_status):
        return f"game_status {record.game_status!r} is not final: only completed games are rated"
    if record.home_team_score == record.away_team_score:
        return f"final score {record.home_team_score}-{record.away_team_score} is level: an NBA game cannot end tied"
    for field, value, limit in (
        ("home_team_score", record.home_team_score, MAX_POINTS),
        ("away_team_score", record.away_team_score, MAX_POINTS),
        ("lead_changes", record.lead_changes, MAX_COUNT),
        ("times_tied", record.times_tied, MAX_COUNT),
        ("attendance", record.attendance or 0, MAX_ATTENDANCE),
    ):
        if value > limit:
            return f"{field} {value} is not plausible (more than {limit:,})"
    return None


def context_problem(game: CollectedGame) -> str | None:
    """The first rule the game's ``context`` breaks against its teams, else None (also without one)."""
    context = game.context
    if context is None:
        return None
    season = Season.of_game_id(game.game_id)
    for side, team_id, conference, rank in (
        ("home", game.home_team_id, context.home_conference, context.home_conference_rank),
        ("away", game.away_team_id, context.away_conference, context.away_conference_rank),
    ):
        expected = teams.conference(team_id, season)
        if conference != expected:
            return (
                f"context.{side}_conference {conference} is not the conference of team {team_id} in {season} "
                f"({expected})"
            )
        size = len(teams.conference_teams(conference, season))
        if rank > size:
            return (
                f"context.{side}_conference_rank {rank} is more than the {size} teams of the {conference} in {season}"
            )
    if (
        context.home_conference == context.away_conference
        and context.home_conference_rank == context.away_conference_rank
    ):
        return (
            f"context: both teams rank {context.home_conference_rank} in the {context.home_conference}: "
            "two teams of one conference cannot share a rank"
        )
    if context.stakes is not None:
        try:
            stakes_values(game.game_id, context.stakes)
        except GameDataError as exc:
            return f"context.stakes: {exc.detail}"
    return None


def features_problem(game: FeaturedGame | Prediction) -> str | None:
    """The first rule the game's ``features`` break against its ``raw_data`` or each other, else None.

    Only what follows from the features' definitions (docs/MODEL.md): the seconds features fit the
    game's length and nest (clutch time lies in the second half, the second half in the game), the
    final margin is a lead the game had, the winner's deficit was a lead the loser held.
    """
    features, record = game.features, game.raw_data
    if game.game_id != record.game_id:
        return f"game_id {game.game_id} is not the game of its raw_data ({record.game_id})"
    margin = abs(record.home_team_score - record.away_team_score)
    if features.scores_diff != margin:
        return f"features.scores_diff {features.scores_diff} is not the final margin of raw_data ({margin})"
    season = Season.of_game_id(record.game_id)
    expected = int(teams.conference(record.home_team_id, season) != teams.conference(record.away_team_id, season))
    if features.inter_conference != expected:
        return (
            f"features.inter_conference {features.inter_conference} does not match the teams' conferences "
            f"in {season} ({expected})"
        )
    if features.overtime_periods > MAX_OVERTIMES:
        return f"features.overtime_periods {features.overtime_periods} is not plausible (more than {MAX_OVERTIMES})"
    values = features.model_dump()
    for spec in WINDOWED_FEATURES:  # each seconds feature within its window of the game clock (features.spec)
        value, window = values[spec.name], spec.window_seconds(features.overtime_periods)
        if window is not None and value > window + TOLERANCE_SECONDS:
            return (
                f"features.{spec.name} {value:g} is longer than its window in a game with "
                f"{features.overtime_periods} overtime(s) ({window} s)"
            )
    if features.clutch_seconds > features.second_half_close_seconds + TOLERANCE_SECONDS:
        return "features.clutch_seconds exceeds second_half_close_seconds (clutch time is part of the second half)"
    if features.second_half_close_seconds > features.competitive_seconds + TOLERANCE_SECONDS:
        return "features.second_half_close_seconds exceeds competitive_seconds (the second half is part of the game)"
    stakes = {name: values[name] for name in STAKES_NAMES}
    try:  # what the game id says, whatever the series state
        known = {
            "playoff_round": playoff_round(record.game_id),
            "series_game": series_game(record.game_id),
            "play_in": int(record.game_id[2] == "5"),
            "cup_final": int(record.game_id[2] == "6"),
        }
    except GameDataError as exc:
        return exc.detail
    for name, value in known.items():
        if stakes[name] != value:
            return f"features.{name} {stakes[name]} does not match game id {record.game_id} ({value})"
    if (
        stakes["series_game"]
        and stakes["series_leader_wins"] + stakes["series_trailer_wins"] != stakes["series_game"] - 1
    ):
        return (
            f"features.series_leader_wins and series_trailer_wins ({stakes['series_leader_wins']}-"
            f"{stakes['series_trailer_wins']}) cannot be the state before game {stakes['series_game']} of a series"
        )
    top = max(record.home_team_score, record.away_team_score)
    if features.top_points > top or features.duel_points > features.top_points:
        return (
            f"features.top_points {features.top_points} / duel_points {features.duel_points}: one player cannot "
            f"score more than his side ({top} at most) and the duel is the smaller of the two top scorers"
        )
    if features.largest_lead < features.scores_diff:
        return f"features.largest_lead {features.largest_lead} is less than the final margin {features.scores_diff}"
    if features.comeback_points > features.largest_lead:
        return f"features.comeback_points {features.comeback_points} exceeds largest_lead {features.largest_lead}"
    return None


def prediction_problem(prediction: Prediction) -> str | None:
    """``features_problem``, and ``top_features`` must name the model's features, each once."""
    problem = features_problem(prediction)
    if problem is not None:
        return problem
    named = [c.feature for c in prediction.top_features]
    unknown = [name for name in named if name not in ALL_FEATURES]
    if unknown:
        return f"top_features names {unknown[0]!r}, which is not a feature"
    if len(set(named)) != len(named):
        return "top_features names a feature twice"
    return None


def _refused(game_id: str, step: Step, problem: str) -> SkippedGame:
    return SkippedGame(game_id=game_id, step=step, reason=f"game {game_id}: {problem}")


def screen_records(
    records: Sequence[GameRecord], step: Step, *, today: date | None = None, target_date: date | None = None
) -> tuple[list[GameRecord], list[SkippedGame]]:
    """Split what a source listed into the games that keep the rules and the refused ones."""
    kept, refused = [], []
    for record in records:
        problem = record_problem(record, today=today, target_date=target_date)
        if problem is None:
            kept.append(record)
        else:
            refused.append(_refused(record.game_id, step, problem))
    return kept, refused


Document = CollectedGames | EngineeredFeatures | Predictions


def screen_document(doc: Document, step: Step, today: date) -> tuple[Document, list[SkippedGame]]:
    """``doc`` without the games that break a game-level rule, and those games as refused by ``step``.

    A ``target_date`` after ``today`` refuses the whole document (:class:`ArtifactError`; the
    caller adds the file's name).  The returned document's ``total_games`` counts the games kept;
    the refused ones are for the caller to carry into the next document's ``skipped_games`` (a
    document records the games its own step and the earlier ones skipped, not those of the step
    reading it).
    """
    target = doc.metadata.target_date
    first, last = doc.metadata.first_date, doc.metadata.last_date
    span = (first, last) if first is not None and last is not None else None
    if target is not None and target > today:
        raise ArtifactError(
            f"field metadata.target_date: {target} is in the future (today is {today}, US Eastern): "
            "no game of that date can have been played"
        )
    kept: list = []
    refused: list[SkippedGame] = []
    items = doc.predictions if isinstance(doc, Predictions) else doc.games
    for item in items:
        record = item if isinstance(item, CollectedGame) else item.raw_data
        problem = record_problem(record, today=today, target_date=target, span=span)
        if problem is None:
            if isinstance(item, CollectedGame):
                problem = context_problem(item)
            elif isinstance(item, Prediction):
                problem = prediction_problem(item)
            else:
                problem = features_problem(item)
        if problem is None:
            kept.append(item)
        else:
            refused.append(_refused(item.game_id, step, problem))
    if not refused:
        return doc, []
    metadata = doc.metadata.model_copy(update={"total_games": len(kept)})
    key = "predictions" if isinstance(doc, Predictions) else "games"
    return type(doc).model_validate({"metadata": metadata, key: kept}), refused
