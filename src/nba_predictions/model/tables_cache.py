"""An on-disk cache of the per-tree tables :mod:`.contributions` builds from a model.

Building the tables (parsing the model JSON, TreeSHAP at every leaf in each of its cases,
arranging each tree as arrays) costs about half a second for the shipped model, once per process:
a third of a season backfill's wall time.  The tables depend only on the model file, so they are
kept in ``NBA_MODEL_CACHE_DIR`` (default ``data/cache/model``; empty = no cache), one file per
model (named by its SHA-256) and per :data:`FORMAT`, as a plain ``.npz`` of numbers (no pickle: a
cache file cannot run code).  A file that is missing, unreadable, of another model or malformed is
ignored (and rebuilt); a cache that cannot be written costs only the speed.  What comes from the
cache is still checked against XGBoost's own ``pred_contribs`` on every batch, as freshly built
tables are.

One tree's tables have the shape (splits ``s``, leaves ``l``, edges ``e``, depth ``d``, features
``w``); per array below, its dtype and shape.  The file holds each array of all trees concatenated
(flattened) and the trees' shapes, so it is ten members, not ten per tree.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

logger = logging.getLogger(__name__)

FORMAT = 1
"""Bump when the tables or their layout change: older files are then ignored."""

# name -> (dtype, shape from the tree's (s, n, e, d, w): splits, leaves, edges, depth, width)
ARRAYS = {
    "split_features": ("int64", lambda s, n, e, d, w: (s,)),
    "thresholds": ("float32", lambda s, n, e, d, w: (s,)),
    "features": ("int64", lambda s, n, e, d, w: (w,)),
    "edge_split": ("int64", lambda s, n, e, d, w: (n, e)),
    "edge_left": ("bool", lambda s, n, e, d, w: (n, e)),
    "edge_real": ("bool", lambda s, n, e, d, w: (n, e)),
    "column": ("int64", lambda s, n, e, d, w: (n, d)),
    "terms": ("float32", lambda s, n, e, d, w: (n, 1 << e, d)),
    "rank": ("int64", lambda s, n, e, d, w: (n, 1 << e)),
}
TreeArrays = dict[str, "np.ndarray"]


@dataclass(frozen=True)
class TablesCache:
    """Where the tables of one model are kept: ``directory`` and the model file's SHA-256."""

    directory: Path
    model_sha256: str

    @property
    def path(self) -> Path:
        return self.directory / f"contributions-{self.model_sha256[:24]}-v{FORMAT}.npz"

    def read(self) -> list[TreeArrays] | None:
        """Every tree's arrays, or None when there is no usable cache file."""
        import numpy as np

        try:
            with np.load(self.path, allow_pickle=False) as stored:
                if str(stored["model_sha256"]) != self.model_sha256:
                    raise ValueError("it belongs to another model")
                shapes = stored["shapes"]
                flat = {name: stored[name] for name in ARRAYS}
            return _split(shapes, flat)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            logger.info("prediction: ignoring the contribution tables cache %s (%s); rebuilding it", self.path, exc)
            return None

    def write(self, trees: list[TreeArrays]) -> None:
        """Keep ``trees`` for the next run: all or nothing (a temporary file renamed into place)."""
        import numpy as np

        shapes = np.asarray(
            [
                [len(t["split_features"]), *t["edge_split"].shape, t["column"].shape[1], len(t["features"])]
                for t in trees
            ],
            dtype=np.int64,
        ).reshape(len(trees), 5)
        members = (
            {
                name: np.concatenate([t[name].reshape(-1) for t in trees]).astype(dtype, copy=False)
                for name, (dtype, _) in ARRAYS.items()
            }
            if trees
            else {}
        )
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".contributions-", suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as out:
                    arrays: dict[str, Any] = {
                        "model_sha256": np.asarray(self.model_sha256),
                        "shapes": shapes,
                        **members,
                    }
                    np.savez(out, **arrays)
                os.chmod(temporary, 0o644)  # as any file the run writes (mkstemp's own is 0600)
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            logger.info(
                "prediction: the contribution tables are not cached (%s: %s); the next run builds them again",
                self.directory,
                exc,
            )


def _split(shapes: np.ndarray, flat: dict[str, np.ndarray]) -> list[TreeArrays]:
    """The per-tree arrays of the concatenated ``flat`` arrays (ValueError if they do not fit).
    ``split_features`` is checked first, so every tree's split count is real; a leaf's path has
    at most that many edges, which bounds the ``2**edges`` cases before any size is computed."""
    import numpy as np

    if shapes.ndim != 2 or shapes.shape[1] != 5 or (shapes < 0).any() or (shapes[:, 2] > shapes[:, 0]).any():
        raise ValueError("its tree shapes are malformed")
    rows = shapes.tolist()
    trees: list[TreeArrays] = [{} for _ in rows]
    for name, (dtype, shape_of) in ARRAYS.items():  # split_features first
        values = flat[name]
        if values.dtype != np.dtype(dtype) or values.ndim != 1:
            raise ValueError(f"its {name} is not a flat {dtype} array")
        sizes = [shape_of(*row) for row in rows]
        counts = [math.prod(size) for size in sizes]
        if sum(counts) != len(values):
            raise ValueError(f"its {name} does not fit its tree shapes")
        start = 0
        for tree, size, count in zip(trees, sizes, counts):
            tree[name] = values[start : start + count].reshape(size)
            start += count
    return trees
