#!/usr/bin/env python
"""Build the offline archive ``src/nba_predictions/data/archive.sqlite`` from the raw NBA data.

Usage (from the repository root)::

    .venv/bin/python scripts/build_archive.py [RAW_DIR] [--reference-dir tests/fixtures/reference]

``RAW_DIR`` defaults to ``../shared/data/raw`` relative to the repository root; its
``SOURCES.md`` describes every input file.  The build is deterministic: the same inputs give a
byte-identical database (rows are inserted in a fixed order, no timestamps are stored, the file
is VACUUMed).  numpy/pandas are used here only; the package reads the result with ``sqlite3``.

What goes in (see ``data/README.md`` for provenance and caveats):

* ``games``: one row per game, 1996-97 to 2025-26 (through the 2026 Finals, 2026-06-13).
  Results come from, in order of preference: ``results_2025-26/nba_2025_26_results.csv`` (every
  2025-26 game: regular season, play-in, playoffs and the NBA Cup final), the
  nba_comeback_dashboard results (1996-97 to 2025-04-25), the legacy play-by-play ``games.csv``
  (the 2024-25 playoff games after 2025-04-25).  The official 2025-26 LeagueGameLog CSV (to
  2026-02-21) is a check: every game in it must be in the 2025-26 results with the same date,
  teams and points, or the build fails; its neutral-site flags are kept.  Team abbreviations are
  mapped to stable team ids with :mod:`nba_predictions.core.teams`.  Attendance comes from kaggle
  ``game_info`` (to 2022-23), the official lead changes / times tied from kaggle ``other_stats``
  where present.
* ``timelines``: for each game with play-by-play (legacy 2013-14..2024-25, merged 2025-26 to
  2025-12-07), the score after every change of score, encoded as described in
  :func:`encode_events`.  Same-second score corrections are resolved in :func:`clean_events`.
* ``timelines.player_lines``: each side's leading player lines of the same play-by-play (its top
  scorer and best all-round line, at most 4 per game:
  :func:`nba_predictions.features.performance.leading_lines` of every player's line), see
  :func:`legacy_lines` and :func:`merged_lines`.  A game keeps its lines even where its players'
  points do not add up to its final score (the raw play-by-play misses a few events; counted per
  season in ``meta.player_lines``); lines that ``ScoreTimeline`` refuses (one player above his
  side's final score) are not stored (NULL: unknown).
* ``meta``: coverage dates, known gaps, input commits, counts.

With ``--reference-dir`` it also writes the small derived reference files the unit tests compare
the archive against (the tests never read the raw folder):

* ``official_lead_changes.csv.gz``: kaggle ``other_stats`` lead changes / times tied for every
  game that also has play-by-play;
* ``independent_results.csv.gz``: final scores of every game with play-by-play, from the
  independent results (nba_comeback_dashboard, the 2025-26 LeagueGameLog);
* ``results_2025-26.csv.gz``: every 2025-26 game as ``results_2025-26/nba_2025_26_results.csv``
  gives it (id, date, season type, team ids, points).
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import sqlite3
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from nba_predictions.core import teams  # noqa: E402
from nba_predictions.core.domain import LeaderLine, ScoreTimeline  # noqa: E402
from nba_predictions.core.scoring import lead_changes_and_times_tied  # noqa: E402
from nba_predictions.core.season import Season, season_type_of_game_id  # noqa: E402
from nba_predictions.features.player_lines import (  # noqa: E402
    PlayerLine,
    leading_lines,
    lines_from_pbp_v2,
    lines_from_pbp_v3,
)
from nba_predictions.sources.archive_rows import FORMAT_VERSION, SCHEMA, encode_lines  # noqa: E402
from nba_predictions.sources.archive_rows import encode_events as encode_timeline  # noqa: E402

logger = logging.getLogger("build_archive")

DEFAULT_RAW = REPO.parent / "shared" / "data" / "raw"
# The raw inputs, relative to RAW_DIR (data/README.md, "Provenance", says where each comes from).
# They are not in the repository: a clone has none of them.
RAW_INPUTS = (
    "gabriel1200_legacy_pbp/games.csv",
    "gabriel1200_legacy_pbp/pbp_v2_compact_*.csv.gz",
    "gabriel1200_merged_playbyplay/pbp_v3_style_2025-26_through_2025-12-07.csv.gz",
    "gabriel1200_merged_playbyplay/games_2025-26_through_2025-12-07.csv",
    "nba_comeback_dashboard/games_1996-97_to_2024-25.csv.gz",
    "api_fixtures/nba_api/games_2025-26_regular_season_through_2026-02-21_from_leaguegamelog.csv",
    "results_2025-26/nba_2025_26_results.csv",
    "kaggle_nba_database_subset/game_info.csv.gz",
    "kaggle_nba_database_subset/other_stats.csv.gz",
)
DEFAULT_OUT = REPO / "src" / "nba_predictions" / "data" / "archive.sqlite"

# FORMAT_VERSION (meta.format_version) is the package's, imported above: the readers refuse another.
# The input commits, as recorded in SOURCES.md.
INPUT_COMMITS = {
    "gabriel1200/legacy_pbp": "a4fcd359",
    "gabriel1200/merged_playbyplay": "200557a",
    "nba-comeback-dashboard/nba-comeback-dashboard.github.io": "3581db88",
    "AIME1995/projet_NBA (kaggle NBA Database subset)": "d6236fe",
    "swar/nba_api (LeagueGameLog 2025-26 cassette)": "15eb0ede",
    # results_2025-26/README.md: joined from these public repositories.
    "jamiebaldock/NBA-Watchability (results_2025-26: scores, periods)": "3795faf",
    "moizk/nba-schedule-2025-26 (results_2025-26: regular-season game ids)": "988dc7f",
    "sportsdataverse/hoopR-nba-stats-data (results_2025-26: play-in game ids)": "e27fe22",
}
# Date ranges the archive knows to be incomplete: collecting them fails instead of returning a
# silently short list.  Only the first game of the 2025 Finals (0042400401, 2025-06-05) has
# play-by-play and a result in the inputs; games 2-7 (0042400402-0042400407) are absent from every
# input, so no date after it in June 2025 can be answered.
KNOWN_GAPS = [
    {
        "first": "2025-06-06",
        "last": "2025-06-30",
        "reason": "2025 Finals games 2-7 (0042400402-0042400407) are missing from the archive's inputs",
    }
]
# Neutral sites known from the inputs: the 2019-20 restart in the Orlando bubble (every game from
# 2020-07-30 to the 2020 Finals), the five 2025-26 games the LeagueGameLog lists with two
# visiting teams (home/away there are alphabetical, not by venue, unless play-by-play says which
# side was the designated home team), and the 2025-26 NBA Cup final (results_2025-26/README.md:
# "2025-12-16, Las Vegas, neutral site"; home/away as ESPN lists it).
NEUTRAL_2025_26 = {"0062500001"}
# SOURCES.md: the six legacy games whose play-by-play does not reach the final score, and the
# 2025-26 game whose play-by-play final differs by one point from the LeagueGameLog result.
DOCUMENTED_TRUNCATED = {
    "0021301006",
    "0021500916",
    "0021700211",
    "0022100028",
    "0022100298",
    "0022301202",
    "0022500029",
}
BUBBLE_FIRST_DAY = "2020-07-30"
BUBBLE_LAST_DAY = "2020-10-11"

SEASON_TYPES = {
    "Regular Season": "Regular Season",
    "Playoffs": "Playoffs",
    "Playin": "Play-In",
    "PlayIn": "Play-In",
    "Play-In": "Play-In",
    "NBA Cup Final": "NBA Cup Final",
}
RESULTS_2025_26 = "results_2025-26/nba_2025_26_results.csv"
LEAGUEGAMELOG_2025_26 = "api_fixtures/nba_api/games_2025-26_regular_season_through_2026-02-21_from_leaguegamelog.csv"


# --- timelines ------------------------------------------------------------------------------


def period_start_seconds(period: int) -> int:
    """Game-clock seconds elapsed at the start of ``period`` (12-min quarters, 5-min OTs)."""
    if period <= 4:
        return 720 * (period - 1)
    return 2880 + 300 * (period - 5)


def period_length_seconds(period: int) -> int:
    return 720 if period <= 4 else 300


def clean_events(raw: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Turn scoring rows ``(deciseconds, home, away)`` in source order into a valid timeline.

    1. Stable sort by time: a late-logged row moves to its clock time, rows of one second keep
       their source order.
    2. Scores never go down, so a row showing more points for a side than some *later* row is
       wrong: a basket logged and then taken back at the same second (the documented score
       corrections), or a stray row carrying another moment's score.  Such rows are dropped
       (a suffix minimum of each side's points), which keeps the corrected score rather than
       the erroneous one (a running maximum would keep the erroneous one).
    3. Rows that do not change the score are dropped, and so is a leading 0-0.
    """
    rows = sorted(raw, key=lambda r: r[0])
    keep: list[tuple[int, int, int]] = []
    min_h = min_a = 1 << 30
    for t, h, a in reversed(rows):
        if h <= min_h and a <= min_a:
            keep.append((t, h, a))
            min_h, min_a = h, a
    keep.reverse()
    out: list[tuple[int, int, int]] = []
    last = (0, 0)
    for t, h, a in keep:
        if (h, a) != last:
            out.append((t, h, a))
            last = (h, a)
    return out


def encode_events(events: list[tuple[int, int, int]]) -> bytes:
    """The package's encoding (:func:`nba_predictions.sources.archive_rows.encode_events`) of
    events in whole deciseconds (all non-negative after :func:`clean_events`)."""
    return encode_timeline([(t / 10, h, a) for t, h, a in events])


def to_timeline(
    periods: int, events: list[tuple[int, int, int]], player_lines: list[LeaderLine] | None = None
) -> ScoreTimeline:
    return ScoreTimeline(periods=periods, events=[(t / 10, h, a) for t, h, a in events], player_lines=player_lines)


def clock_v2(text: str) -> int:
    """``"11:39"`` -> seconds left in the period."""
    m, s = text.split(":")
    return int(m) * 60 + int(s)


def clock_v3(text: str) -> int:
    """``"PT11M36.50S"`` -> deciseconds left in the period."""
    body = text[2:-1]
    m, s = body.split("M")
    return int(m) * 600 + round(float(s) * 10)


def legacy_timelines(raw: Path) -> dict[str, list[tuple[int, int, int]]]:
    """Scoring rows of every legacy game: ``(deciseconds, home, away)`` in file order."""
    out: dict[str, list[tuple[int, int, int]]] = {}
    files = sorted((raw / "gabriel1200_legacy_pbp").glob("pbp_v2_compact_*.csv.gz"))
    for path in files:
        df = pd.read_csv(path, dtype=str, usecols=["GAME_ID", "PERIOD", "PCTIMESTRING", "SCORE"])
        df = df[df["SCORE"].notna() & (df["SCORE"].str.strip() != "")]
        for gid, period, clock, score in zip(df["GAME_ID"], df["PERIOD"], df["PCTIMESTRING"], df["SCORE"]):
            p = int(period)
            away, home = (int(x) for x in score.split("-"))
            t = 10 * (period_start_seconds(p) + period_length_seconds(p) - clock_v2(clock))
            out.setdefault(gid, []).append((t, home, away))
        logger.info("%s: %d games so far", path.name, len(out))
    return out


# --- player lines ---------------------------------------------------------------------------

V2_LINE_COLUMNS = ["GAME_ID", "EVENTMSGTYPE", "SCORE", "PERSON1TYPE", "PLAYER1_ID", "PLAYER2_ID"]


def season_lines(path: Path) -> dict[str, list[PlayerLine]]:
    """Every player's line of every game of one legacy season file (PlayByPlayV2 rows, file order),
    from :func:`lines_from_pbp_v2`.  Only the rows it reads are passed: those with a score or a
    made shot, free throw or rebound (the others change no line)."""
    df = pd.read_csv(path, dtype=str, usecols=V2_LINE_COLUMNS, keep_default_na=False)
    keep = (df["SCORE"].str.strip() != "") | df["EVENTMSGTYPE"].isin(["1", "3", "4"])
    out: dict[str, list[PlayerLine]] = {}
    for gid, rows in df[keep].groupby("GAME_ID", sort=False):
        out[gid.zfill(10)] = list(lines_from_pbp_v2(rows.to_dict("records")).values())
    return out


def legacy_lines(raw: Path) -> dict[str, list[PlayerLine]]:
    """Every player's line of every legacy game (2013-14..2024-25), the season files read in two
    processes (the result does not depend on it: one dict per file, merged in file order)."""
    from concurrent.futures import ProcessPoolExecutor

    files = sorted((raw / "gabriel1200_legacy_pbp").glob("pbp_v2_compact_*.csv.gz"))
    out: dict[str, list[PlayerLine]] = {}
    with ProcessPoolExecutor(max_workers=2) as pool:
        for path, lines in zip(files, pool.map(season_lines, files)):
            out.update(lines)
            logger.info("%s: player lines of %d games", path.name, len(lines))
    return out


MERGED_PBP = "gabriel1200_merged_playbyplay/pbp_v3_style_2025-26_through_2025-12-07.csv.gz"
MERGED_GAMES = "gabriel1200_merged_playbyplay/games_2025-26_through_2025-12-07.csv"


def merged_lines(raw: Path) -> dict[str, list[PlayerLine]]:
    """Every player's line of every 2025-26 game of the merged V3-style file, from
    :func:`lines_from_pbp_v3` (its rows in file order).  The file's columns are PlayByPlayV3's keys
    (``actionType``, ``teamId``, ``shotResult``, ``description``, ``playerName``, ``period``,
    ``scoreHome``/``scoreAway``) but for the player id, ``person_id`` (passed as ``person_key``);
    the home team is the games file's ``home_team_abbr``."""
    homes = pd.read_csv(raw / MERGED_GAMES, dtype=str).set_index("game_id")["home_team_abbr"]
    df = pd.read_csv(raw / MERGED_PBP, dtype=str, keep_default_na=False)
    out: dict[str, list[PlayerLine]] = {}
    for gid, rows in df.groupby("game_id", sort=False):
        home = teams.team_id(homes[gid], Season.of_game_id(gid))
        out[gid] = list(lines_from_pbp_v3(rows.to_dict("records"), home, person_key="person_id").values())
    logger.info("%s: player lines of %d games", Path(MERGED_PBP).name, len(out))
    return out


def merged_timelines(raw: Path) -> dict[str, list[tuple[int, int, int]]]:
    df = pd.read_csv(raw / MERGED_PBP, dtype=str, usecols=["game_id", "period", "clock", "scoreHome", "scoreAway"])
    out: dict[str, list[tuple[int, int, int]]] = {}
    for gid, period, clock, sh, sa in zip(df["game_id"], df["period"], df["clock"], df["scoreHome"], df["scoreAway"]):
        p = int(period)
        t = 10 * (period_start_seconds(p) + period_length_seconds(p)) - clock_v3(clock)
        out.setdefault(gid, []).append((t, int(sh), int(sa)))
    return out


# --- results --------------------------------------------------------------------------------


def load_results_2025_26(raw: Path) -> pd.DataFrame:
    """Every 2025-26 result from ``results_2025-26``, checked against the official LeagueGameLog.

    Every LeagueGameLog game must be there with the same date, teams and points (the build fails
    otherwise); the games it flags as neutral-site keep that flag, and the NBA Cup final is
    neutral too.  ``checked`` marks the games the LeagueGameLog confirms."""
    new = pd.read_csv(raw / RESULTS_2025_26, dtype=str)
    new = new.rename(columns={"date_et": "game_date", "home": "home_team_abbr", "away": "away_team_abbr"})
    if not new["game_id"].is_unique:
        raise SystemExit(f"{RESULTS_2025_26}: duplicate game ids")
    for side in ("home", "away"):
        ids = [str(teams.team_id(a, 2025)) for a in new[f"{side}_team_abbr"]]
        wrong = new.loc[new[f"{side}_team_id"] != pd.Series(ids, index=new.index), "game_id"]
        if len(wrong):
            raise SystemExit(f"{RESULTS_2025_26}: {side} team id disagrees with its abbreviation in {list(wrong)}")
    lgl = pd.read_csv(raw / LEAGUEGAMELOG_2025_26, dtype=str)
    cols = ["game_date", "home_team_id", "away_team_id", "home_pts", "away_pts"]
    both = lgl.merge(new, on="game_id", how="left", suffixes=("_lgl", ""), indicator=True)
    absent = both.loc[both["_merge"] != "both", "game_id"]
    if len(absent):
        raise SystemExit(f"{RESULTS_2025_26} lacks {len(absent)} LeagueGameLog games: {list(absent)[:10]}")
    differ = both.loc[(both[[f"{c}_lgl" for c in cols]].to_numpy() != both[cols].to_numpy()).any(axis=1), "game_id"]
    if len(differ):
        raise SystemExit(
            f"{RESULTS_2025_26} disagrees with the LeagueGameLog on date, teams or points: {list(differ)[:10]}"
        )
    logger.info("2025-26 results: %d games, the LeagueGameLog's %d agree", len(new), len(lgl))
    flagged = set(lgl.loc[lgl["both_listed_as_away"] == "True", "game_id"]) | NEUTRAL_2025_26
    new["neutral_site"] = new["game_id"].isin(flagged).astype(int)
    new["checked"] = new["game_id"].isin(set(lgl["game_id"]))
    new["origin"] = "results_2025-26"
    return new


def load_results(raw: Path) -> pd.DataFrame:
    """Every game's result with stable team ids; one row per game id."""
    frames = [load_results_2025_26(raw)]
    cb = pd.read_csv(raw / "nba_comeback_dashboard/games_1996-97_to_2024-25.csv.gz", dtype=str)
    cb["origin"] = "comeback_dashboard"
    cb["neutral_site"] = 0
    frames.append(cb)
    legacy = pd.read_csv(raw / "gabriel1200_legacy_pbp/games.csv", dtype=str)
    legacy["origin"] = "legacy_pbp"
    legacy["neutral_site"] = 0
    frames.append(legacy)
    cols = [
        "game_id",
        "game_date",
        "season_type",
        "home_team_abbr",
        "away_team_abbr",
        "home_pts",
        "away_pts",
        "neutral_site",
        "origin",
    ]
    for f in frames[1:]:
        f["checked"] = False
    df = pd.concat([f[[*cols, "checked"]] for f in frames], ignore_index=True)
    df = df.drop_duplicates("game_id", keep="first").copy()
    df["season"] = [Season.of_game_id(g).start_year for g in df["game_id"]]
    df["season_type"] = [SEASON_TYPES[s] for s in df["season_type"]]
    for gid, st in zip(df["game_id"], df["season_type"]):
        if season_type_of_game_id(gid) != st:
            raise SystemExit(f"game {gid}: season type {st} disagrees with its id")
    df["home_team_id"] = [teams.team_id(a, s) for a, s in zip(df["home_team_abbr"], df["season"])]
    df["away_team_id"] = [teams.team_id(a, s) for a, s in zip(df["away_team_abbr"], df["season"])]
    bubble = (df["game_date"] >= BUBBLE_FIRST_DAY) & (df["game_date"] <= BUBBLE_LAST_DAY)
    df.loc[bubble, "neutral_site"] = 1
    df["home_pts"] = df["home_pts"].astype(int)
    df["away_pts"] = df["away_pts"].astype(int)
    return df.sort_values(["game_date", "game_id"]).reset_index(drop=True)


def pad_id(x: str) -> str:
    return str(int(float(x))).zfill(10)


def load_attendance(raw: Path) -> dict[str, int]:
    gi = pd.read_csv(raw / "kaggle_nba_database_subset/game_info.csv.gz", dtype=str)
    out = {}
    for gid, att in zip(gi["game_id"], gi["attendance"]):
        if isinstance(att, str) and att.strip():
            out[pad_id(gid)] = int(float(att))
    return out


def load_official(raw: Path) -> dict[str, tuple[int, int]]:
    """kaggle other_stats lead changes / times tied per game (game-level, not per side)."""
    os_ = pd.read_csv(raw / "kaggle_nba_database_subset/other_stats.csv.gz", dtype=str)
    out: dict[str, tuple[int, int]] = {}
    for gid, lc, tt in zip(os_["game_id"], os_["lead_changes"], os_["times_tied"]):
        if isinstance(lc, str) and isinstance(tt, str):
            out.setdefault(pad_id(gid), (int(float(lc)), int(float(tt))))
    return out


# --- build ----------------------------------------------------------------------------------


# The archive's tables: the package's own definition, which the local archive uses too.
def build(raw: Path, out: Path, reference_dir: Path | None) -> dict[str, object]:
    started = time.perf_counter()
    results = load_results(raw)
    logger.info("results: %d games, %s to %s", len(results), results["game_date"].min(), results["game_date"].max())
    attendance = load_attendance(raw)
    official = load_official(raw)

    legacy_games = pd.read_csv(raw / "gabriel1200_legacy_pbp/games.csv", dtype=str).set_index("game_id")
    merged_games = pd.read_csv(raw / MERGED_GAMES, dtype=str)
    merged_games = merged_games.set_index("game_id")
    periods = {**legacy_games["periods"].astype(int).to_dict(), **merged_games["periods"].astype(int).to_dict()}
    home_of_pbp = {**legacy_games["home_team_abbr"].to_dict(), **merged_games["home_team_abbr"].to_dict()}

    raw_rows = legacy_timelines(raw)
    raw_rows.update(merged_timelines(raw))
    logger.info("play-by-play: %d games", len(raw_rows))
    every_line = legacy_lines(raw)
    every_line.update(merged_lines(raw))

    by_id = results.set_index("game_id")
    # 2025-26 neutral-site games (listed alphabetically by the LeagueGameLog): take the designated
    # home team from the play-by-play when it has the game.
    for gid in results.loc[results["neutral_site"].eq(1) & results["origin"].eq("results_2025-26"), "game_id"]:
        if gid in home_of_pbp and home_of_pbp[gid] != by_id.at[gid, "home_team_abbr"]:
            row = by_id.loc[gid].copy()
            for a, b in (
                ("home_team_abbr", "away_team_abbr"),
                ("home_pts", "away_pts"),
                ("home_team_id", "away_team_id"),
            ):
                row[a], row[b] = by_id.at[gid, b], by_id.at[gid, a]
            by_id.loc[gid] = row
            logger.info("neutral-site game %s: home/away swapped to the play-by-play's home team", gid)
    # Check the play-by-play home teams against the results.
    for gid, abbr in home_of_pbp.items():
        if gid in by_id.index and teams.team_id(abbr, Season.of_game_id(gid)) != by_id.at[gid, "home_team_id"]:
            raise SystemExit(f"game {gid}: play-by-play home team {abbr} disagrees with the results")

    timelines: dict[str, tuple[int, list[tuple[int, int, int]]]] = {}
    leaders: dict[str, list[LeaderLine] | None] = {}
    lines_short: dict[str, int] = {}  # season -> games whose players' points do not add up to the final
    lines_refused: list[str] = []
    status: dict[str, str] = {}
    mismatched: list[str] = []
    for gid in sorted(raw_rows):
        if gid not in by_id.index:
            raise SystemExit(f"game {gid} has play-by-play but no result")
        events = clean_events(raw_rows[gid])
        p = periods[gid]
        tl = to_timeline(p, events)  # validates
        timelines[gid] = (p, events)
        final = (int(by_id.at[gid, "home_pts"]), int(by_id.at[gid, "away_pts"]))
        leaders[gid] = None
        if gid in every_line:
            lines = every_line[gid]
            sums = tuple(sum(x.points for x in lines if x.side == side) for side in ("home", "away"))
            season = str(Season.of_game_id(gid))
            lines_short[season] = lines_short.get(season, 0) + (sums != final)
            try:
                leaders[gid] = to_timeline(p, events, leading_lines(lines)).player_lines
            except ValueError as exc:  # a line above its side's final score: not stored
                lines_refused.append(gid)
                logger.warning("game %s: player lines not stored (%s)", gid, exc)
        if tl.final_score != final:
            mismatched.append(gid)
            status[gid] = "truncated"
            logger.warning(
                "game %s: play-by-play ends at %s, the result is %s: marked truncated", gid, tl.final_score, final
            )
        else:
            status[gid] = "ok"

    for gid in sorted(DOCUMENTED_TRUNCATED - set(mismatched)):
        logger.warning("game %s: documented as truncated but its final matches; marked truncated anyway", gid)
        status[gid] = "truncated"
        mismatched.append(gid)
    for gid in sorted(set(mismatched) - DOCUMENTED_TRUNCATED):
        logger.warning("game %s: final score mismatch not documented in SOURCES.md", gid)

    # Lead changes / times tied against the official values.
    both = [g for g in timelines if g in official]
    lc_ok = tt_ok = 0
    for gid in both:
        lc, tt = lead_changes_and_times_tied(to_timeline(*timelines[gid]))
        lc_ok += lc == official[gid][0]
        tt_ok += tt == official[gid][1]
    logger.info(
        "official lead changes matched %d/%d (%.2f%%), times tied %d/%d (%.2f%%)",
        lc_ok,
        len(both),
        100 * lc_ok / len(both),
        tt_ok,
        len(both),
        100 * tt_ok / len(both),
    )

    with_lines = sum(v is not None for v in leaders.values())
    logger.info(
        "player lines: %d of %d games with play-by-play; players' points do not add up to the final score in "
        "%d of them (kept): %s; refused (a line above its side's final): %d %s",
        with_lines,
        len(leaders),
        sum(lines_short.values()),
        ", ".join(f"{k} {v}" for k, v in sorted(lines_short.items())) or "none",
        len(lines_refused),
        lines_refused,
    )
    ok_dates = sorted(by_id.at[g, "game_date"] for g, s in status.items() if s == "ok")
    meta = {
        "format_version": FORMAT_VERSION,
        "first_timeline_date": ok_dates[0],
        "last_timeline_date": ok_dates[-1],
        "first_result_date": str(results["game_date"].min()),
        "last_result_date": str(results["game_date"].max()),
        "known_gaps": json.dumps(KNOWN_GAPS, sort_keys=True),
        "input_commits": json.dumps(INPUT_COMMITS, sort_keys=True),
        "games": str(len(by_id)),
        "timelines": str(len(timelines)),
        "truncated": ",".join(sorted(mismatched)),
        "official_match": json.dumps({"games": len(both), "lead_changes": lc_ok, "times_tied": tt_ok}, sort_keys=True),
        "player_lines": json.dumps(
            {
                "games": with_lines,
                "points_not_adding_up_by_season": dict(sorted(lines_short.items())),
                "refused": sorted(lines_refused),
            },
            sort_keys=True,
        ),
    }

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    con.executescript(SCHEMA)
    con.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
    rows = []
    for gid, r in by_id.sort_index().iterrows():
        lc_tt = official.get(gid, (None, None))
        rows.append(
            (
                gid,
                r["game_date"],
                int(r["season"]),
                r["season_type"],
                int(r["home_team_id"]),
                int(r["away_team_id"]),
                r["home_team_abbr"],
                r["away_team_abbr"],
                int(r["home_pts"]),
                int(r["away_pts"]),
                int(r["neutral_site"]),
                attendance.get(gid),
                lc_tt[0],
                lc_tt[1],
                status.get(gid, "missing"),
            )
        )
    con.executemany("INSERT INTO games VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.executemany(
        "INSERT INTO timelines VALUES (?,?,?,?,?)",
        (
            (gid, p, len(ev), encode_events(ev), encode_lines(leaders[gid]))
            for gid, (p, ev) in sorted(timelines.items())
        ),
    )
    con.commit()
    con.execute("VACUUM")
    con.close()
    tmp.replace(out)

    if reference_dir is not None:
        write_reference(reference_dir, by_id, timelines, official)
        write_results_2025_26(reference_dir, raw)

    summary = {**meta, "bytes": out.stat().st_size, "seconds": round(time.perf_counter() - started, 1)}
    logger.info("wrote %s: %d bytes", out, out.stat().st_size)
    return summary


def write_reference(ref: Path, by_id: pd.DataFrame, timelines: dict, official: dict[str, tuple[int, int]]) -> None:
    """Small CSVs the unit tests compare the archive with (derived here, from the raw inputs)."""
    ref.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(ref / "official_lead_changes.csv.gz", "wb", mtime=0) as f:
        f.write(b"game_id,lead_changes,times_tied\n")
        for gid in sorted(g for g in timelines if g in official):
            f.write(f"{gid},{official[gid][0]},{official[gid][1]}\n".encode())
    with gzip.GzipFile(ref / "independent_results.csv.gz", "wb", mtime=0) as f:
        f.write(b"game_id,home_team_id,away_team_id,home_pts,away_pts,origin\n")
        for gid in sorted(timelines):
            r = by_id.loc[gid]
            # A 2025-26 result the official LeagueGameLog confirms (same teams and points) names it.
            origin = "leaguegamelog" if r["checked"] else r["origin"]
            f.write(
                f"{gid},{r['home_team_id']},{r['away_team_id']},{r['home_pts']},{r['away_pts']},{origin}\n".encode()
            )
    logger.info("wrote reference files to %s", ref)


def write_results_2025_26(ref: Path, raw: Path) -> None:
    """``results_2025-26.csv.gz``: the 2025-26 results as the raw CSV gives them (not as the build
    reads them), for the test that the archive holds every 2025-26 game."""
    new = pd.read_csv(raw / RESULTS_2025_26, dtype=str).sort_values("game_id")
    cols = ["game_id", "date_et", "season_type", "home_team_id", "away_team_id", "home_pts", "away_pts"]
    with gzip.GzipFile(ref / "results_2025-26.csv.gz", "wb", mtime=0) as f:
        f.write(b"game_id,date,season_type,home_team_id,away_team_id,home_pts,away_pts\n")
        for row in new[cols].itertuples(index=False):
            f.write((",".join(row) + "\n").encode())


def missing_inputs(raw: Path) -> list[str]:
    """The entries of :data:`RAW_INPUTS` with no file under ``raw`` (all of them without ``raw``)."""
    return [name for name in RAW_INPUTS if not raw.is_dir() or next(raw.glob(name), None) is None]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("raw", nargs="?", type=Path, default=DEFAULT_RAW, help="raw data folder (default: %(default)s)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUT, help="archive path (default: %(default)s)")
    parser.add_argument("--reference-dir", type=Path, default=None, help="also write the tests' reference files here")
    args = parser.parse_args(argv)
    missing = missing_inputs(args.raw)
    if missing:
        print(
            f"build_archive: {args.raw} lacks {len(missing)} of the {len(RAW_INPUTS)} raw inputs "
            f"({', '.join(missing)}); they are not in the repository: get the public files data/README.md "
            "lists under 'Provenance' and pass their folder: scripts/build_archive.py RAW_DIR",
            file=sys.stderr,
        )
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    summary = build(args.raw, args.output, args.reference_dir)
    print(json.dumps(summary, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
