"""Load the rating model (XGBoost JSON) and its metadata, and check them against each other.

A model is two files side by side: ``<name>.json`` (XGBoost's own JSON format, written by
``Booster.save_model``; no pickle anywhere) and ``<name>_meta.json`` (:class:`ModelMetadata`:
feature names in order, model version, seasons, label reference quantiles, metrics).  The
metadata records the SHA-256 of the model file, so a truncated, edited or mismatched model file
is caught before it produces a single rating.

Every failure is a :class:`~nba_predictions.errors.ModelError` whose one-line message names the
file and the fix.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nba_predictions.errors import ModelError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

logger = logging.getLogger(__name__)

FILES_DIR = Path(__file__).resolve().parent / "files"
MODEL_FILE = "model.json"
META_SUFFIX = "_meta.json"
META_SCHEMA_VERSION: Final = "1.0"
TREE_BY_TREE_ROWS = 256
"""From this many rows on, contributions are computed tree by tree (:mod:`.contributions`)."""
RETRAIN_HINT = (
    "retrain with 'nba-predictions train --output-dir DIR' and pass --model DIR/model.json, "
    "or unset NBA_MODEL_PATH to use the shipped model"
)


def default_model_path() -> Path:
    """The model shipped in the package."""
    return FILES_DIR / MODEL_FILE


def meta_path_for(model_path: Path) -> Path:
    """``model.json`` -> ``model_meta.json`` in the same folder."""
    return model_path.with_name(model_path.stem + META_SUFFIX)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeasonMetrics(_Strict):
    season: str
    games: int = Field(ge=0)
    spearman: float
    mae: float
    baseline_spearman: float
    baseline_mae: float


class LabelInfo(_Strict):
    """How the training label was computed (see :class:`~nba_predictions.model.label.excitement.LabelDefinition`)."""

    definition: str
    candidate: str = Field(description="the label candidate chosen on the validation seasons")
    win_probability: dict[str, float]
    possession_seconds: float | None
    at_neutral_site: bool
    pace_exponent: float
    reference_changes: float
    reference_quantiles: list[float] = Field(min_length=2)


class ModelMetadata(_Strict):
    """``model_meta.json``."""

    schema_version: Literal["1.0"] = META_SCHEMA_VERSION
    model_version: str = Field(min_length=1)
    model_file: str
    model_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    xgboost_version: str
    feature_names: list[str] = Field(min_length=1)
    target: str
    train_seasons: list[str]
    test_seasons: list[str]
    training: dict[str, Any]
    label: LabelInfo
    metrics: list[SeasonMetrics]
    details: dict[str, Any] = Field(default_factory=dict, description="everything else the training run reports")


@dataclass
class LoadedModel:
    """A model with its metadata, ready for :func:`nba_predictions.steps.prediction.rate_matrix`.

    :meth:`predict` runs in ``libxgboost`` through :mod:`.native` where the library is found (no
    ``xgboost`` package import, so no scipy), else through the ``xgboost`` package; both give the
    same numbers.  :attr:`booster` is the ``xgboost`` package's Booster of the same model, made on
    first use (training and tests use it).
    """

    metadata: ModelMetadata
    path: Path
    data: bytes = field(repr=False)  # the model file's bytes (checked against metadata.model_sha256)
    native: Any = field(default=None, repr=False)  # a native.NativeBooster, or None
    tables_dir: Path | None = None  # where the contribution tables are cached (tables_cache); None = nowhere
    _booster: Any = field(default=None, init=False, repr=False)
    _contributions: Any = field(default=None, init=False, repr=False)  # contributions.TreeContributions

    @property
    def booster(self) -> Any:
        """The ``xgboost.Booster`` of this model (imports the xgboost package)."""
        if self._booster is None:
            self._booster = _package_booster(self.data, self.path)
        return self._booster

    def predict(
        self, matrix: np.ndarray | Sequence[Sequence[float]], feature_names: Sequence[str]
    ) -> tuple[list[float], list[list[float]]]:
        """(raw prediction, per-feature contributions) of every row: XGBoost's ``predict`` and the
        feature columns of its ``pred_contribs``, as Python floats.  A few rows go to the library
        as they are (no numpy); batches of :data:`TREE_BY_TREE_ROWS` rows or more get their
        contributions from per-tree tables (:mod:`.contributions`, the same numbers)."""
        names = list(feature_names)
        width = len(names)
        if self.native is not None and len(matrix) < TREE_BY_TREE_ROWS:
            rows = matrix.tolist() if hasattr(matrix, "tolist") else matrix
            values, contributions = self.native.predict_rows(rows, names)
            return values, [row[:width] for row in contributions]
        import numpy as np

        data = np.asarray(matrix, dtype=np.float64).reshape(len(matrix), width)
        if self.native is None:
            import xgboost

            dmatrix = xgboost.DMatrix(data, feature_names=names)
            return (
                self.booster.predict(dmatrix).tolist(),
                self.booster.predict(dmatrix, pred_contribs=True)[:, :width].tolist(),
            )
        if self._contributions is None:
            from nba_predictions.model.contributions import TreeContributions
            from nba_predictions.model.tables_cache import TablesCache

            cache = TablesCache(self.tables_dir, self.metadata.model_sha256) if self.tables_dir is not None else None
            self._contributions = TreeContributions(self.native, self.data, names, cache)
        values, _ = self.native.predict(data, names, contributions=False)
        return values.tolist(), self._contributions(data).tolist()

    @property
    def version(self) -> str:
        return self.metadata.model_version

    @property
    def feature_names(self) -> list[str]:
        return list(self.metadata.feature_names)

    def check_features(self, names: Sequence[str]) -> None:
        """Raise :class:`ModelError` unless every one of the model's features is among ``names``
        (in any order; names the model does not read are fine)."""
        self.columns(names)

    def columns(self, names: Sequence[str]) -> list[int]:
        """Where each of the model's features is in ``names`` (a feature table's columns), in the
        model's order; :class:`ModelError` when one is missing."""
        position = {name: i for i, name in enumerate(names)}
        missing = [n for n in self.feature_names if n not in position]
        if missing:
            raise ModelError(
                f"model {self.path} (version {self.version}) needs features {missing}, which the features document "
                f"lacks: rebuild the features with this version of nba-predictions or {RETRAIN_HINT}"
            )
        return [position[n] for n in self.feature_names]

    def select(self, matrix: np.ndarray | Sequence[Sequence[float]], names: Sequence[str]) -> Any:
        """The model's columns of ``matrix`` (columns ``names``), in the model's order: a numpy array
        stays one, rows of a list stay lists (a few rows need no numpy)."""
        columns = self.columns(names)
        if columns == list(range(len(names))):
            return matrix
        if hasattr(matrix, "shape"):
            array: Any = matrix  # numpy is not imported here
            return array.reshape(len(matrix), len(names))[:, columns]
        return [[row[j] for j in columns] for row in matrix]


def _read_json(path: Path, what: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelError(f"{what} {path} not found: {RETRAIN_HINT}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(f"{what} {path} cannot be read ({exc}): {RETRAIN_HINT}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelError(
            f"{what} {path} is not valid JSON ({exc.msg} at line {exc.lineno}): the file is corrupt; {RETRAIN_HINT}"
        ) from None


def read_metadata(meta_path: Path) -> ModelMetadata:
    raw = _read_json(meta_path, "model metadata")
    try:
        return ModelMetadata.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ModelError(
            f"model metadata {meta_path} is invalid at {where}: {first['msg']} ({exc.error_count()} problem(s)); "
            f"{RETRAIN_HINT}"
        ) from None


def load_model(path: Path | None = None, tables_dir: Path | None = None) -> LoadedModel:
    """Load ``path`` (default: the shipped model) and its ``*_meta.json``; verify they belong together.
    ``tables_dir``: where the tables a large batch's contributions come from are cached between runs
    (``NBA_MODEL_CACHE_DIR``, :mod:`.tables_cache`); None = built in every process."""
    model_path = Path(path) if path is not None else default_model_path()
    meta_path = meta_path_for(model_path)
    if model_path.suffix != ".json":
        raise ModelError(f"model file {model_path} must be an XGBoost JSON model ending in .json: {RETRAIN_HINT}")
    try:
        data = model_path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"model file {model_path} not found: {RETRAIN_HINT}") from None
    except OSError as exc:
        raise ModelError(f"model file {model_path} cannot be read ({exc}): {RETRAIN_HINT}") from None
    metadata = read_metadata(meta_path)
    digest = hashlib.sha256(data).hexdigest()
    if digest != metadata.model_sha256:
        raise ModelError(
            f"model file {model_path} does not match its metadata {meta_path.name} (SHA-256 {digest[:12]}, expected "
            f"{metadata.model_sha256[:12]}): the file is corrupt or from another training run; {RETRAIN_HINT}"
        )
    from nba_predictions.errors import NativeError
    from nba_predictions.model.native import NativeBooster, load_library

    library = load_library()
    if library is not None:
        try:
            booster: Any = NativeBooster(library, data)
        except NativeError as exc:
            raise ModelError(
                f"model file {model_path} is not a loadable XGBoost model ({_first_line(exc)}): {RETRAIN_HINT}"
            ) from None
        model = LoadedModel(metadata=metadata, path=model_path, data=data, native=booster, tables_dir=tables_dir)
    else:
        booster = _package_booster(data, model_path)
        model = LoadedModel(metadata=metadata, path=model_path, data=data)
        model._booster = booster
    if booster.feature_names is not None and list(booster.feature_names) != model.feature_names:
        raise ModelError(
            f"model file {model_path} was trained on features {list(booster.feature_names)} but {meta_path.name} "
            f"lists {model.feature_names}: {RETRAIN_HINT}"
        )
    if booster.num_features() != len(model.feature_names):
        raise ModelError(
            f"model file {model_path} expects {booster.num_features()} features but {meta_path.name} lists "
            f"{len(model.feature_names)}: {RETRAIN_HINT}"
        )
    logger.debug(
        "loaded model %s version %s (%d features, %s)",
        model_path,
        model.version,
        len(model.feature_names),
        "libxgboost" if model.native is not None else "xgboost package",
    )
    return model


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "unknown error"


def _package_booster(data: bytes, model_path: Path) -> Any:
    """``xgboost.Booster`` of the model bytes (imports the xgboost package)."""
    try:
        import xgboost
    except ImportError:
        raise ModelError("xgboost is not installed: pip install -r requirements-prediction.txt") from None
    booster = xgboost.Booster()
    try:
        booster.load_model(bytearray(data))
    except xgboost.core.XGBoostError as exc:
        raise ModelError(
            f"model file {model_path} is not a loadable XGBoost model ({_first_line(exc)}): {RETRAIN_HINT}"
        ) from None
    return booster
