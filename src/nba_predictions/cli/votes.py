"""``nba-predictions votes export --output F``: the fans' 'worth it?' votes, for training later.

``F`` ending ``.csv`` gets CSV, ``.jsonl`` JSON Lines; one row per vote, oldest first: ``game_id``
(a string), ``vote`` (``up`` / ``down``), ``voter_hash`` (an HMAC of the browser's voter id, never
the id), ``created_at`` (ISO 8601, UTC).  Written atomically: a failed export leaves no file.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
from pathlib import Path
from typing import Any

from nba_predictions.cli.exits import EXIT_OK
from nba_predictions.cli.parsers import PROG, _logging_flags, _Parser
from nba_predictions.config import Settings
from nba_predictions.errors import UsageError

logger = logging.getLogger(__name__)

COLUMNS = ("game_id", "vote", "voter_hash", "created_at")
FORMATS = (".csv", ".jsonl")


def votes_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=f"{PROG} votes", description="The fans' 'worth it?' votes that serve stores (fan_votes).")
    actions = p.add_subparsers(dest="action", required=True, metavar="{export}", parser_class=_Parser)
    export = actions.add_parser(
        "export",
        help="write every vote to a CSV or JSON Lines file",
        description="Write every vote, oldest first (game_id, vote, voter_hash, created_at), to --output: "
        "CSV for a .csv name, JSON Lines for .jsonl; atomically.",
    )
    export.add_argument("--output", required=True, metavar="FILE", help="where to write: votes.csv or votes.jsonl")
    export.add_argument("--database", metavar="URL", help="SQLAlchemy database URL (env DATABASE_URL)")
    _logging_flags(export)
    return p


def votes(args: argparse.Namespace, settings: Settings) -> int:
    from nba_predictions.core.atomic import write_text_atomic
    from nba_predictions.storage.database import connect
    from nba_predictions.storage.queries import fan_vote_rows

    output = Path(args.output)
    if output.suffix not in FORMATS:
        raise UsageError(f"--output {output.name}: name a .csv or a .jsonl file, e.g. --output votes.csv")
    db = connect(settings.database_url, create=False)
    try:
        db.prepare()
        with db.engine.connect() as conn:
            rows = fan_vote_rows(conn)
    finally:
        db.close()
    for row in rows:
        row["created_at"] = row["created_at"].isoformat()
    write_text_atomic(output, _csv(rows) if output.suffix == ".csv" else _json_lines(rows))
    logger.info("votes: %d written to %s", len(rows), output)
    return EXIT_OK


def _csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _json_lines(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)
