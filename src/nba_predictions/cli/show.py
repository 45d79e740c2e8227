"""``nba-predictions show``: a date's rated games, best first, as a terminal table or JSON.

No scores: a game's spoilers (its features and the rating's explanation) are shown only when
``--spoilers`` read them.

Reads only: the database is opened read-only (SQLite ``mode=ro``, PostgreSQL read-only sessions),
never created, upgraded or adopted.  The original web app's database, not adopted yet, is listed
from its own columns; one that would need an upgrade is refused with one line naming
``nba-predictions adopt --database ...``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import date

from nba_predictions.cli.exits import EXIT_OK
from nba_predictions.config import Settings
from nba_predictions.storage.records import RatedGame


def show(args: argparse.Namespace, settings: Settings) -> int:
    """Print the stored games of the settings' date (read-only: nothing is created or written)."""
    from nba_predictions.steps.storage import connect_read_only, games_for_date

    db = connect_read_only(settings.database_url)
    try:
        rows = games_for_date(db, settings.target_date, spoilers=args.spoilers)
    finally:
        db.close()
    print(render_json(rows) if args.json else render_table(rows, settings.target_date))
    return EXIT_OK


def render_table(games: Sequence[RatedGame], day: date) -> str:
    """A terminal table: rank, matchup (away @ home), rating, class.  No scores.

    Games read with spoilers get one more column, the features that moved the rating most.
    """
    if not games:
        return f"No rated games on {day.isoformat()}."
    spoiling = any(g.spoilers is not None for g in games)
    header = ("#", "Matchup", "Rating", "Class", *(("Why (SPOILERS)",) if spoiling else ()))
    rows = [
        (
            str(rank),
            f"{g.away.abbreviation or g.away.id} @ {g.home.abbreviation or g.home.id}",
            "-" if g.rating is None else f"{g.rating:.1f}",
            g.classification or "-",
            *((_why(g),) if spoiling else ()),
        )
        for rank, g in enumerate(games, start=1)
    ]
    widths = [max(len(cells[i]) for cells in [header, *rows]) for i in range(len(header))]
    right = (True, False, True, False, False)

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right)).rstrip()

    title = f"NBA games of {day.isoformat()}, most watchable first"
    return "\n".join([title, line(header), line(["-" * w for w in widths]), *map(line, rows)])


def _why(game: RatedGame) -> str:
    if game.spoilers is None:
        return "-"
    return ", ".join(f"{feature} {contribution:+.1f}" for feature, contribution in game.spoilers.explanation[:3])


def render_json(games: Sequence[RatedGame]) -> str:
    """A JSON array of the games, best first (see :meth:`RatedGame.to_json`).  No scores."""
    return json.dumps([g.to_json() for g in games], indent=2)
