"""A watched date's three documents, kept whole and current (``watch --documents DIR|URL``).

``{root}/{YYYY-MM-DD}/collected_games.json``, ``engineered_features.json`` and
``predictions.json``, so a ``--from-step`` run or another server can go on from them.  They sit
beside the date's ``runs/`` folder of the daily job (:mod:`nba_predictions.documents.layout`),
whose runs write each to a folder of its own, so the daily job and the watch never replace each
other's documents.  Each game the watch rates is added to the three (a game rated again replaces its
entry), and each document is rewritten whole, all or nothing (a temporary file and a rename, or
one S3 put), before the game is stored: a watch killed between the two finds the game in the
documents, not in the database, and rates it again, replacing it.  A restarted watch starts from
the documents it finds for the date (written by an earlier watch of it); games another run stored
meanwhile are in the database, not in these documents.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import cast

from nba_predictions.documents import io as artifacts
from nba_predictions.documents.models import (
    DOCUMENT_NAMES,
    CollectedGame,
    CollectedGames,
    EngineeredFeatures,
    FeaturedGame,
    Prediction,
    Predictions,
)
from nba_predictions.errors import ArtifactError
from nba_predictions.runs.metadata import document_metadata

logger = logging.getLogger(__name__)


def document_location(root: str, day: date, step: str) -> str:
    """``{root}/{day}/{the step's document name}``: the watch's documents of ``day``."""
    return "/".join([root.rstrip("/"), day.isoformat(), DOCUMENT_NAMES[step]])


class DateDocuments:
    """The three documents of ``day`` under ``root`` (a folder path or a URL)."""

    def __init__(self, root: str, day: date) -> None:
        self.root = root
        self.day = day
        self.collected: dict[str, CollectedGame] = {}
        self.featured: dict[str, FeaturedGame] = {}
        self.predictions: dict[str, Prediction] = {}

    def location(self, step: str) -> str:
        return document_location(self.root, self.day, step)

    def check_writable(self) -> None:
        """Before the first poll: a location that cannot take the documents is said at once."""
        for step in DOCUMENT_NAMES:
            artifacts.check_writable(self.location(step))

    def load(self) -> int:
        """Go on from the date's documents an earlier watch left (all three, of this date): the
        number of games they hold.  None there (or not of this date): start empty."""
        try:
            collected = cast(CollectedGames, artifacts.read_document(self.location("collection"), "collection"))
            features = cast(EngineeredFeatures, artifacts.read_document(self.location("features"), "features"))
            predictions = cast(Predictions, artifacts.read_document(self.location("prediction"), "prediction"))
        except ArtifactError as exc:
            logger.debug("watch: starting the documents of %s afresh (%s)", self.day, exc)
            return 0
        if any(doc.metadata.target_date != self.day for doc in (collected, features, predictions)):
            logger.warning("watch: the documents under %s are not of %s; they are replaced", self.root, self.day)
            return 0
        rated = {p.game_id for p in predictions.predictions}
        self.collected = {g.game_id: g for g in collected.games if g.game_id in rated}
        self.featured = {g.game_id: g for g in features.games if g.game_id in rated}
        self.predictions = {p.game_id: p for p in predictions.predictions if p.game_id in self.featured}
        return len(self.predictions)

    def add(
        self, game: CollectedGame, featured: FeaturedGame, prediction: Prediction, source: str, model_version: str
    ) -> None:
        """Add (or replace) one game and rewrite the three documents, each all or nothing."""
        self.collected[game.game_id] = game
        self.featured[game.game_id] = featured
        self.predictions[game.game_id] = prediction
        ids = sorted(self.predictions)
        day, count = self.day, len(ids)
        collected = CollectedGames(
            metadata=document_metadata("collection", count, [], target_date=day, source=source),
            games=[self.collected[i] for i in ids],
        )
        features = EngineeredFeatures(
            metadata=document_metadata(
                "features", count, [], target_date=day, source=source, input_name=DOCUMENT_NAMES["collection"]
            ),
            games=[self.featured[i] for i in ids],
        )
        predictions = Predictions(
            metadata=document_metadata(
                "prediction",
                count,
                [],
                target_date=day,
                source=source,
                input_name=DOCUMENT_NAMES["features"],
                model_version=model_version,
            ),
            predictions=[self.predictions[i] for i in ids],
        )
        for step, doc in (("collection", collected), ("features", features), ("prediction", predictions)):
            artifacts.write_document(doc, self.location(step))
