"""Reproducible training of the rating model from the offline archive.

``nba-predictions train`` (and ``scripts/train_model.py``) call :func:`train_main`:

1. Read every game with a score timeline from the archive, and its features with the features
   package's vectorised :func:`~nba_predictions.features.matrix.range_features` (the same code
   that rates new games) (:mod:`.data`).
2. Split by season: the two latest complete seasons are held out (test), every earlier season
   trains; inside the training seasons the latest two validate and the earlier ones fit.
3. Choose on the validation seasons only (:mod:`.selection`): the label among the candidates; when
   the features include the stakes and performance columns, the worth-watching label's weights on top
   of it (:mod:`.worth`, against the acclaimed games of the training seasons); then the XGBoost
   hyper-parameters; repeat the comparison that adopted the last-seconds features.
4. Refit the chosen label (win probability, possession length, label scale) on all training seasons
   and train the regressor on them (fixed seed, one thread: the same bytes on a rerun).  Refit the
   first shipped model too (its label, features and settings): the "before" of every figure.
5. Score the test seasons once, at the end, and report the games after them (the running season,
   never used for anything): metrics against a hand-formula baseline, the bias figures and goals of
   :mod:`.bias`, before and after (and with the worth label, the Done-when goals of issue 23,
   :mod:`.worth_fit`).
6. Write ``model.json`` (XGBoost's JSON format) and ``model_meta.json``; optionally the model card
   ``MODEL.md`` and its figures.  The output folders are checked for writing before step 1, so a bad
   ``--output-dir`` fails in a second, not after the whole run.

numpy, scipy and xgboost are imported here only (xgboost lazily); matplotlib only by the figures.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nba_predictions import config
from nba_predictions.core.atomic import write_bytes_atomic
from nba_predictions.core.season import Season
from nba_predictions.documents.models import ALL_FEATURES
from nba_predictions.errors import ModelError
from nba_predictions.features.spec import FIFTY_POINTS
from nba_predictions.model.label import excitement as ex
from nba_predictions.model.label import winprob as wp
from nba_predictions.model.loader import FILES_DIR, MODEL_FILE, LabelInfo, ModelMetadata, SeasonMetrics, meta_path_for
from nba_predictions.model.training import bias
from nba_predictions.model.training import regressor as rg
from nba_predictions.model.training import selection as sel
from nba_predictions.model.training import worth as wt
from nba_predictions.model.training import worth_fit as wf
from nba_predictions.model.training.data import (
    TrainingData,
    TrainingSource,
    load_training_data,
    split_seasons,
    split_validation,
)
from nba_predictions.model.training.result import TrainReport, TrainResult

logger = logging.getLogger(__name__)

__all__ = ["TrainReport", "TrainResult", "fit", "load_training_data", "split_seasons", "train_main", "write_model"]

MODEL_FORMAT = "1.0"
DEFAULT_SEED = config.DEFAULT_SEED
"""The seed of the shipped model (``--seed``'s default)."""
TARGET = "100 x Excitement Index percentile among the training games (0-100)"
LABEL_DEFINITION = (
    "EI = sum of |change of P(home wins)| along the label's path of game states (score path: tip-off, before "
    "and after every change of score, final buzzer; possession path: also every imputed change of possession), "
    "optionally read at a neutral site and at the reference pace; label = 100 x percentile of EI among the "
    "training games, read from the reference quantiles"
)
BASELINE_FORMULA = "competitive_seconds / 60 - scores_diff  (minutes within 5 points minus the final margin)"


def baseline_score(features: np.ndarray) -> np.ndarray:
    """The hand formula: minutes within 5 points minus the final margin (higher = better game)."""
    col = {name: features[:, i] for i, name in enumerate(ALL_FEATURES)}
    return col["competitive_seconds"] / 60.0 - col["scores_diff"]


def _r(x: float, digits: int = 4) -> float:
    return float(round(float(x), digits))


# --------------------------------------------------------------------------- training


def _season_metrics(
    pred: np.ndarray,
    label: np.ndarray,
    base: np.ndarray,
    old_label: np.ndarray,
    season_text: np.ndarray,
    seasons: Sequence[str],
) -> list[dict[str, Any]]:
    out = []
    for season in seasons:
        r = season_text == season
        out.append(
            {
                "season": season,
                "games": int(r.sum()),
                "spearman": _r(rg.spearman(pred[r], label[r])),
                "mae": _r(rg.mae(pred[r], label[r]), 3),
                "baseline_spearman": _r(rg.spearman(base[r], label[r])),
                "baseline_mae": _r(rg.mae(base[r], label[r]), 3),
                "old_label_spearman": _r(rg.spearman(pred[r], old_label[r])),
            }
        )
    return out


def _figures(
    label: np.ndarray, pred: np.ndarray, games: bias.Games, unseen: np.ndarray, held_out: list[dict[str, Any]]
) -> dict[str, Any]:
    everything = np.ones(len(label), dtype=bool)
    return {
        "all": bias.bias_figures(label, pred, games, everything),
        "unseen": bias.bias_figures(label, pred, games, unseen),
        "ratings": bias.rating_figures(label, pred, games),
        "held_out": {m["season"]: {k: m[k] for k in ("spearman", "mae", "old_label_spearman")} for m in held_out},
    }


def fit(
    data: TrainingData, train_seasons: Sequence[Season], test_seasons: Sequence[Season], seed: int = DEFAULT_SEED
) -> TrainResult:
    """Choose on validation seasons, fit on ``train_seasons``, score ``test_seasons`` once (see the module doc)."""
    import xgboost

    started = time.perf_counter()
    season_text = data.season_text
    tr, te = data.rows(train_seasons), data.rows(test_seasons)
    fit_seasons, val_seasons = split_validation(train_seasons)
    fit_rows, val_rows = data.rows(fit_seasons), data.rows(val_seasons)
    val_text = [str(s) for s in val_seasons]
    columns = wt.worth_columns(data.features)  # None until the stakes and performance features are columns
    exceptional = None if columns is None else columns["top_points"] >= FIFTY_POINTS
    games = bias.Games(
        data.features, data.total_points, season_text, data.game_ids, exceptional, f"a {FIFTY_POINTS}-point scorer"
    )
    logger.info(
        "training on %d games (%s; choices fitted on %s, validated on %s), testing on %d games (%s)",
        tr.sum(),
        _span(train_seasons),
        _span(fit_seasons),
        _span(val_seasons),
        te.sum(),
        _span(test_seasons),
    )

    # 1. Choices, on the validation seasons only.
    cache = sel.FitCache(data)
    label_choice = sel.select_label(cache, fit_rows, val_rows, tr, seed)
    chosen = next(c for c in sel.CANDIDATES if c.name == label_choice["chosen"])
    fitted = sel.fit_label(chosen, tr, cache)
    first = fitted if chosen == sel.FIRST_LABEL else sel.fit_label(sel.FIRST_LABEL, tr, cache)
    label, old_label, ei_label = fitted.label, first.label, fitted.label
    worth = None
    if columns is not None:  # the worth-watching label (issue 23) on top of the chosen EI label
        worth = wf.fit_worth_label(ei_label, columns, data.game_ids, tr, val_rows)
        label = worth.label
    hyper, grid = sel.select_hyper_parameters(data.features, label, fit_rows, season_text, val_text, seed)
    feature_rows = sel.compare_features(data.features, label, fit_rows, val_rows, games, season_text, val_text, seed)

    # 2. The regressor, and the first shipped model refitted (the "before").
    names = list(rg.MODEL_FEATURES)
    x = rg.columns(data.features, names)
    booster = rg.train(x[tr], label[tr], names, hyper, seed)
    model_bytes = bytes(booster.save_raw(raw_format="json"))
    pred = rg.predict(booster, x, names)
    old_pred = rg.fit_predict(data.features, old_label, tr, sel.FIRST_FEATURES, rg.FIRST_MODEL, seed)

    # 3. The test seasons, scored once; the seasons after them (never used) reported.
    st_te = cache.states(fitted.definition.possession_seconds, te)
    p_te = st_te.probability(fitted.definition.win_probability)
    base_raw = baseline_score(data.features)
    base = ex.LabelScale.fit(base_raw[tr]).rating(base_raw)
    test_text = [str(s) for s in test_seasons]
    later = sorted({s for s in season_text.tolist() if s > max(test_text)})
    held_out = _season_metrics(pred, label, base, old_label, season_text, test_text)
    unused = _season_metrics(pred, label, base, old_label, season_text, later)
    unseen = ~tr
    after = _figures(label, pred, games, unseen, held_out)
    before = _figures(
        old_label,
        old_pred,
        games,
        unseen,
        _season_metrics(old_pred, old_label, base, old_label, season_text, test_text),
    )

    dtest = xgboost.DMatrix(x[te], feature_names=names)
    contribs = booster.predict(dtest, pred_contribs=True)[:, : len(names)]
    importance = {n: _r(v, 3) for n, v in zip(names, np.abs(contribs).mean(axis=0))}
    gain = booster.get_score(importance_type="total_gain")
    total_gain = sum(gain.values()) or 1.0

    goals = {"after": bias.goal_checks(after), "before": bias.goal_checks(before)}
    worth_details: dict[str, Any] = {}
    if worth is not None:
        worth_details["worth"], after_goals, before_goals = wf.worth_details(
            worth,
            predict=lambda m: rg.predict(booster, m, names),
            x=data.features,
            names=names,
            ratings=(pred, old_pred),
            labels=(label, old_label),
            ei_label=ei_label,
            game_ids=data.game_ids,
            season_text=season_text,
            rows=(tr, te),
            test_seasons=test_text,
        )
        goals = {"after": goals["after"] + after_goals, "before": goals["before"] + before_goals}

    sha = hashlib.sha256(model_bytes).hexdigest()
    definition = fitted.definition.to_dict()
    metadata = ModelMetadata(
        model_version=f"{MODEL_FORMAT}+{sha[:10]}",
        model_file=MODEL_FILE,
        model_sha256=sha,
        xgboost_version=xgboost.__version__,
        feature_names=names,
        target=TARGET if worth is None else wf.TARGET,
        train_seasons=[str(s) for s in train_seasons],
        test_seasons=test_text,
        training={"seed": seed, "rounds": hyper.rounds, "params": hyper.params(), "games": int(tr.sum())},
        label=LabelInfo.model_validate(
            {
                "definition": LABEL_DEFINITION,
                "candidate": chosen.name,
                "reference_quantiles": list(fitted.scale.quantiles),
                **definition,
            }
        ),
        metrics=[
            SeasonMetrics.model_validate({k: v for k, v in m.items() if k != "old_label_spearman"}) for m in held_out
        ],
        details={
            "archive": data.archive,
            "games_with_features": len(data.game_ids),
            "games_skipped_by_features": data.skipped,
            "test_games": int(te.sum()),
            "train_metrics": {
                "spearman": _r(rg.spearman(pred[tr], label[tr])),
                "mae": _r(rg.mae(pred[tr], label[tr]), 3),
            },
            "held_out_metrics": held_out,
            "unused_seasons": unused,
            "selection": {
                "fit_seasons": [str(s) for s in fit_seasons],
                "validation_seasons": val_text,
                "label": label_choice,
                "hyper_parameters": {"chosen": hyper.name(), "grid": grid},
                "features": feature_rows,
            },
            "possession": fitted.possession,
            "label_ei_train": {
                "mean": _r(float(fitted.ei[tr].mean())),
                "median": _r(float(np.median(fitted.ei[tr]))),
                "p90": _r(float(np.quantile(fitted.ei[tr], 0.9))),
            },
            "held_out_win_probability": {
                "states": len(st_te),
                "step_seconds": 60,
                "log_loss": _r(wp.log_loss(p_te, st_te.home_won), 5),
                "brier": _r(wp.brier(p_te, st_te.home_won), 5),
                "calibration_error": _r(wp.expected_calibration_error(p_te, st_te.home_won), 5),
                "mean_predicted": _r(float(p_te.mean())),
                "observed": _r(float(st_te.home_won.mean())),
            },
            "first_model": {
                "label": first.definition.to_dict(),
                "features": list(sel.FIRST_FEATURES),
                "hyper_parameters": rg.FIRST_MODEL.name(),
            },
            "baseline": BASELINE_FORMULA,
            "bias": {"after": after, "before": before},
            "goals": goals,
            "importance_mean_abs_contribution": importance,
            "importance_gain_share": {n: _r(gain.get(n, 0.0) / total_gain, 4) for n in names},
            **worth_details,
        },
    )
    logger.info("fitted in %.1f s: %s", time.perf_counter() - started, held_out)
    return TrainResult(
        model_bytes=model_bytes,
        metadata=metadata,
        arrays={
            "label": label,
            "pred": pred,
            "old_label": old_label,
            "old_pred": old_pred,
            "total_points": data.total_points,
            "tight": games.tight,
            "season": season_text,
            "test": te,
            "train": tr,
        },
        calibration=wp.calibration_table(p_te, st_te.home_won),
        importance=importance,
    )


def _span(seasons: Sequence[Season]) -> str:
    s = sorted(seasons)
    return f"{s[0]}" if len(s) == 1 else f"{s[0]} to {s[-1]}"


# --------------------------------------------------------------------------- files


def metadata_bytes(metadata: ModelMetadata) -> bytes:
    return (json.dumps(metadata.model_dump(mode="json"), indent=2, sort_keys=True) + "\n").encode("utf-8")


def check_writable(folder: Path, what: str, flag: str) -> None:
    """Raise :class:`ModelError` (one line) unless files can be created in ``folder``.

    Creates the folder if it is missing, like the writes that follow.  Training calls this before
    it starts, so a folder it cannot write to fails at once instead of after the whole run.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise ModelError(
            f"cannot write {what} to {folder} ({exc.strerror or exc}): pass {flag} a folder you can write to"
        ) from exc


def write_model(result: TrainResult, output_dir: Path) -> Path:
    """Write ``model.json`` and then ``model_meta.json``, each atomically; return the model path.

    The metadata goes last and records the model's SHA-256: until it is replaced, the folder holds
    the new model beside the old metadata, which the loader rejects (checksum) rather than rating
    with a mismatched pair.  An ``OSError`` becomes a one-line :class:`ModelError`.
    """
    model_path = output_dir / MODEL_FILE
    try:
        write_bytes_atomic(model_path, result.model_bytes)
        write_bytes_atomic(meta_path_for(model_path), metadata_bytes(result.metadata))
    except OSError as exc:
        raise ModelError(
            f"could not write the model to {output_dir} ({exc.strerror or exc}): "
            "free space or fix permissions there, or pass --output-dir another folder, and retrain"
        ) from exc
    return model_path


def train_main(
    output_dir: Path | None = None,
    seed: int = DEFAULT_SEED,
    docs_dir: Path | None = None,
    source: TrainingSource | None = None,
) -> TrainReport:
    """Train from the offline archive and write the model (default: the package's ``model/files``).

    ``docs_dir`` (e.g. ``docs``): also write ``MODEL.md`` and its figures under ``docs_dir/img``.
    """
    from nba_predictions.sources.archive import ArchiveSource

    started = time.perf_counter()
    out = output_dir if output_dir is not None else FILES_DIR
    check_writable(out, "the model", "--output-dir")
    if docs_dir is not None:
        check_writable(docs_dir, "the model card", "--docs-dir")
    if source is None:
        source = ArchiveSource()
    last_result = Season.of_date(source.results_coverage()[1])
    data = load_training_data(source)
    train, test = split_seasons(sorted(set(data.seasons)), last_result)
    result = fit(data, train, test, seed)
    model_path = write_model(result, out)
    seconds = time.perf_counter() - started
    card = None
    if docs_dir is not None:
        from nba_predictions.model.training.card import write_card

        card = write_card(result, docs_dir, seconds)
    logger.info("training done in %.1f s: %s", seconds, model_path)
    return TrainReport(model_path=model_path, metadata=result.metadata, seconds=seconds, card_path=card)
