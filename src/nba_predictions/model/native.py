"""Rate with XGBoost's own library through its C API, without importing the ``xgboost`` package.

Importing the ``xgboost`` package imports scipy.sparse and its scikit-learn wrappers: about 1 s,
most of a one-date run.  The prediction step needs a few calls of the library that package ships
(``libxgboost``): create a booster, load a model from a buffer, make a matrix from a dense array,
name its features, predict (values, or per-feature contributions).  :class:`NativeBooster` makes
exactly those calls with the arguments the package's ``Booster``/``DMatrix``/``Booster.predict``
pass, so the numbers are the package's to the bit (``tests/unit/test_native_model.py`` compares
them).

The library is looked up inside the installed ``xgboost`` package's folder without importing
the package.  Where it is not there, or lacks a function, :func:`load_library` returns None and
the loader uses the ``xgboost`` package instead, with the same results.
"""

from __future__ import annotations

import ctypes
import importlib.util
import json
import logging
import math
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from nba_predictions.errors import NativeError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

logger = logging.getLogger(__name__)

_LIBRARY_NAMES = {"linux": "libxgboost.so", "darwin": "libxgboost.dylib", "win32": "xgboost.dll"}
_FUNCTIONS = (
    "XGBGetLastError",
    "XGBoosterCreate",
    "XGBoosterFree",
    "XGBoosterSetParam",
    "XGBoosterLoadModelFromBuffer",
    "XGBoosterGetNumFeature",
    "XGBoosterGetStrFeatureInfo",
    "XGDMatrixCreateFromDense",
    "XGDMatrixFree",
    "XGDMatrixSetStrFeatureInfo",
    "XGBoosterPredictFromDMatrix",
    "XGBoosterSlice",
)
PREDICT_VALUE, PREDICT_CONTRIBUTIONS = 0, 2  # Booster.predict's "type": plain, pred_contribs=True
_bst_ulong = ctypes.c_uint64
_MATRIX_CONFIG = json.dumps({"missing": float("nan"), "nthread": 1, "data_split_mode": 0}).encode("utf-8")
_lock = threading.Lock()
_library: ctypes.CDLL | None = None
_looked_up = False


def library_path() -> Path | None:
    """``libxgboost`` inside the installed ``xgboost`` package (found without importing it)."""
    spec = importlib.util.find_spec("xgboost")
    name = _LIBRARY_NAMES.get(sys.platform)
    if spec is None or not spec.submodule_search_locations or name is None:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / "lib" / name
        if candidate.is_file():
            return candidate
    return None


def load_library() -> ctypes.CDLL | None:
    """The library with the functions this module calls, loaded once; None where unavailable."""
    global _library, _looked_up  # noqa: PLW0603 -- looked up once per process, under _lock
    with _lock:
        if not _looked_up:
            _looked_up = True
            path = library_path()
            try:
                library = ctypes.CDLL(str(path)) if path is not None else None
                if library is not None:
                    for function in _FUNCTIONS:
                        getattr(library, function)
                    library.XGBGetLastError.restype = ctypes.c_char_p
            except (OSError, AttributeError) as exc:
                logger.debug("libxgboost at %s is not usable (%s); using the xgboost package", path, exc)
                library = None
            _library = library
        return _library


def _check(library: ctypes.CDLL, status: int) -> None:
    if status != 0:
        raise NativeError(library.XGBGetLastError().decode("utf-8", "replace").strip())


def _strings(values: Sequence[str]) -> ctypes.Array:
    return (ctypes.c_char_p * len(values))(*(v.encode("utf-8") for v in values))


class NativeBooster:
    """A model loaded into ``libxgboost`` (see the module doc).  Not thread-safe: one per run.

    Every call runs on one thread (``nthread`` 1 for the booster and its matrices): the batches
    of a run are small next to what OpenMP's start-up and barriers cost on a shared machine,
    where a parallel region can wait milliseconds for a busy core.  Results do not depend on
    the thread count (each row is predicted on its own).
    """

    def __init__(self, library: ctypes.CDLL, model: bytes, *, _handle: ctypes.c_void_p | None = None) -> None:
        self._lib = library
        if _handle is not None:  # a slice of another booster (see slice())
            self._handle = _handle
            return
        self._handle = ctypes.c_void_p()
        _check(library, library.XGBoosterCreate(None, _bst_ulong(0), ctypes.byref(self._handle)))
        try:
            # As xgboost.Booster(): validate_parameters is set before the model is loaded.
            _check(library, library.XGBoosterSetParam(self._handle, b"validate_parameters", b"True"))
            _check(
                library,
                library.XGBoosterLoadModelFromBuffer(self._handle, ctypes.c_char_p(model), _bst_ulong(len(model))),
            )
            _check(library, library.XGBoosterSetParam(self._handle, b"nthread", b"1"))
        except NativeError:
            self.close()
            raise

    def close(self) -> None:
        if self._handle:
            self._lib.XGBoosterFree(self._handle)
            self._handle = ctypes.c_void_p()

    def __del__(self) -> None:  # the booster holds the model's trees in the library's memory
        self.close()

    def slice(self, first_tree: int, end_tree: int) -> NativeBooster:
        """A booster of trees ``first_tree`` to ``end_tree - 1`` (``Booster[first:end]``)."""
        handle = ctypes.c_void_p()
        _check(
            self._lib,
            self._lib.XGBoosterSlice(
                self._handle, ctypes.c_int(first_tree), ctypes.c_int(end_tree), ctypes.c_int(1), ctypes.byref(handle)
            ),
        )
        sliced = NativeBooster(self._lib, b"", _handle=handle)
        _check(self._lib, self._lib.XGBoosterSetParam(handle, b"nthread", b"1"))
        return sliced

    @property
    def feature_names(self) -> list[str] | None:
        length = _bst_ulong()
        names = ctypes.POINTER(ctypes.c_char_p)()
        _check(
            self._lib,
            self._lib.XGBoosterGetStrFeatureInfo(
                self._handle, b"feature_name", ctypes.byref(length), ctypes.byref(names)
            ),
        )
        found = [names[i].decode("utf-8") for i in range(length.value)]
        return found or None

    def num_features(self) -> int:
        count = _bst_ulong()
        _check(self._lib, self._lib.XGBoosterGetNumFeature(self._handle, ctypes.byref(count)))
        return int(count.value)

    def predict(
        self, matrix: np.ndarray, feature_names: Sequence[str], *, contributions: bool = True
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """(prediction, per-feature contributions + bias) of every row: ``Booster.predict`` of a
        ``DMatrix(matrix, feature_names=...)``, plain and with ``pred_contribs=True``."""
        with self.matrix(matrix, feature_names) as dmatrix:
            values = self.predict_matrix(dmatrix, PREDICT_VALUE)
            return values, self.predict_matrix(dmatrix, PREDICT_CONTRIBUTIONS) if contributions else None

    def predict_rows(
        self, rows: Sequence[Sequence[float]], feature_names: Sequence[str]
    ) -> tuple[list[float], list[list[float]]]:
        """:meth:`predict` of a few rows without numpy (a one-date run imports none): the same
        numbers, as Python floats."""
        width = len(feature_names)
        flat = (ctypes.c_double * (len(rows) * width))(*(float(v) for row in rows for v in row))
        interface = {
            "data": (ctypes.addressof(flat), False),
            "shape": (len(rows), width),
            "typestr": "<f8",
            "version": 3,
            "strides": None,
            "descr": [("", "<f8")],
        }
        with self._dmatrix(json.dumps(interface).encode("utf-8"), feature_names) as dmatrix:
            values = self._predict_flat(dmatrix, PREDICT_VALUE)
            flat_contributions = self._predict_flat(dmatrix, PREDICT_CONTRIBUTIONS)
        step = width + 1  # the features, then the bias
        return values, [flat_contributions[i * step : (i + 1) * step] for i in range(len(rows))]

    @contextmanager
    def matrix(self, matrix: np.ndarray, feature_names: Sequence[str]) -> Iterator[ctypes.c_void_p]:
        """A ``DMatrix`` of the rows (freed at the end), as ``xgboost.DMatrix(matrix, feature_names=...)``."""
        import numpy as np

        data = np.ascontiguousarray(matrix, dtype=np.float64)
        with self._dmatrix(json.dumps(data.__array_interface__).encode("utf-8"), feature_names) as dmatrix:
            yield dmatrix

    @contextmanager
    def _dmatrix(self, interface: bytes, feature_names: Sequence[str]) -> Iterator[ctypes.c_void_p]:
        dmatrix = ctypes.c_void_p()
        # DMatrix's defaults (missing = NaN, data split by rows), on one thread.
        _check(self._lib, self._lib.XGDMatrixCreateFromDense(interface, _MATRIX_CONFIG, ctypes.byref(dmatrix)))
        try:
            names = _strings(feature_names)
            _check(
                self._lib,
                self._lib.XGDMatrixSetStrFeatureInfo(dmatrix, b"feature_name", names, _bst_ulong(len(feature_names))),
            )
            yield dmatrix
        finally:
            self._lib.XGDMatrixFree(dmatrix)

    def predict_matrix(self, dmatrix: ctypes.c_void_p, kind: int) -> np.ndarray:
        """``Booster.predict`` of a matrix made by :meth:`matrix`: ``PREDICT_VALUE`` or ``PREDICT_CONTRIBUTIONS``."""
        import numpy as np

        dimensions, result = self._predict(dmatrix, kind)
        size = int(np.prod(dimensions)) if dimensions else 0
        # The library owns the buffer until its next call: copy it out.
        values = np.ctypeslib.as_array(result, shape=(size,)).copy() if size else np.zeros(0, dtype=np.float32)
        return values.reshape(dimensions)

    def _predict_flat(self, dmatrix: ctypes.c_void_p, kind: int) -> list[float]:
        dimensions, result = self._predict(dmatrix, kind)
        return result[: math.prod(dimensions)] if dimensions else []  # copies the library's buffer into Python floats

    def _predict(self, dmatrix: ctypes.c_void_p, kind: int) -> tuple[tuple[int, ...], ctypes._Pointer]:
        config = json.dumps(
            {"type": kind, "training": False, "iteration_begin": 0, "iteration_end": 0, "strict_shape": False}
        ).encode("utf-8")
        shape = ctypes.POINTER(_bst_ulong)()
        dims = _bst_ulong()
        result = ctypes.POINTER(ctypes.c_float)()
        _check(
            self._lib,
            self._lib.XGBoosterPredictFromDMatrix(
                self._handle, dmatrix, config, ctypes.byref(shape), ctypes.byref(dims), ctypes.byref(result)
            ),
        )
        return tuple(int(shape[i]) for i in range(dims.value)), result
