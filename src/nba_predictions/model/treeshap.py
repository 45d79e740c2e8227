"""TreeSHAP at the leaves, in XGBoost's float32 arithmetic (for :mod:`.contributions`).

:func:`tabulate` computes, for every leaf of a model, what TreeSHAP adds to each feature's
contribution in each of the leaf's 2**depth cases (which of the edges above it a row follows):
XGBoost 3.2's ``ExtendPath``, ``UnwindPath`` and ``UnwoundPathSum`` (``src/predictor/treeshap.cc``)
operation for operation, vectorised over the cases of all leaves whose paths run the same
operations.  numpy is imported inside the functions, as in :mod:`.contributions`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np


@dataclass
class Leaf:
    """One leaf of a tree and the way down to it, as TreeSHAP walks it; ``terms`` by :func:`tabulate`."""

    value: float
    edges: list[tuple[int, bool]]  # (split number, goes left) from the root down
    covers: list[tuple[float, float]]  # per edge: (cover of the child, cover of the parent)
    features: list[int]  # the unique path's features at the leaf (TreeSHAP's path elements 1..depth)
    siblings: list[int]  # per edge: leaves under the other side
    unwound: list[int | None]  # per edge: the path element TreeSHAP unwinds (a repeated feature)
    terms: np.ndarray | None = None  # (2**depth, len(features)) float32: the additions, per case


def tabulate(leaves: list[Leaf]) -> None:
    """Fill in every leaf's ``terms``: what TreeSHAP adds to ``phi`` at the leaf in each of its
    2**depth cases (bit ``k`` of the case: the row follows the ``k``-th edge from the root).
    Leaves whose paths run the same operations are computed together, one lane per (leaf, case)."""
    groups: dict[tuple, list[Leaf]] = defaultdict(list)
    for leaf in leaves:
        groups[(len(leaf.edges), tuple(leaf.unwound))].append(leaf)
    for (depth, unwound), members in groups.items():
        for leaf, terms in zip(members, _leaf_terms(members, depth, unwound)):
            leaf.terms = terms


class _Element:
    """One element of TreeSHAP's unique path (``PathElement``), one lane per (leaf, case)."""

    __slots__ = ("feature", "one", "weight", "zero")

    def __init__(self, feature: int, zero: np.ndarray, one: np.ndarray, weight: np.ndarray) -> None:
        self.feature, self.zero, self.one, self.weight = feature, zero, one, weight


def _leaf_terms(members: list[Leaf], depth: int, unwound: tuple[int | None, ...]) -> list[np.ndarray]:
    """TreeSHAP's ``phi`` additions at each leaf of ``members`` (same depth, same unwinding), per case."""
    import numpy as np

    f32 = np.float32
    cases = 1 << depth
    lanes = len(members) * cases
    case = np.tile(np.arange(cases), len(members))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # the branch not taken may divide by 0
        ones = np.ones(lanes, dtype=np.float32)
        path = [_Element(-1, ones, ones, ones.copy())]  # the root's ExtendPath(unique_depth 0): weight 1
        for k in range(depth):
            child_cover = np.repeat(np.array([m.covers[k][0] for m in members], dtype=np.float32), cases)
            node_cover = np.repeat(np.array([m.covers[k][1] for m in members], dtype=np.float32), cases)
            ratio = child_cover / node_cover  # Stat(hot or cold).sum_hess / w
            incoming_zero, incoming_one = ones, ones
            index = unwound[k]
            if index is not None:
                incoming_zero, incoming_one = path[index].zero, path[index].one
                _unwind(path, len(path) - 1, index)
            followed = ((case >> k) & 1).astype(bool)
            one = np.where(followed, incoming_one, f32(0.0)).astype(np.float32)
            _extend(path, ratio * incoming_zero, one)
        values = np.repeat(np.array([m.value for m in members], dtype=np.float32), cases)
        unique_depth = len(path) - 1
        terms = np.zeros((lanes, unique_depth), dtype=np.float32)
        for i in range(1, unique_depth + 1):
            w = _unwound_sum(path, unique_depth, i)
            element = path[i]
            terms[:, i - 1] = ((w * (element.one - element.zero)) * values) * f32(1.0)  # * condition_fraction
    return [terms[m * cases : (m + 1) * cases] for m in range(len(members))]


def _extend(path: list[_Element], zero: np.ndarray, one: np.ndarray) -> None:
    """``ExtendPath(unique_path, unique_depth = len(path), zero_fraction, one_fraction, feature)``;
    the feature itself only matters for the leaf's list of features (see :func:`_parse`)."""
    import numpy as np

    f32 = np.float32
    d = len(path)
    path.append(_Element(0, zero, one, np.full(len(zero), f32(1.0 if d == 0 else 0.0), dtype=np.float32)))
    for i in range(d - 1, -1, -1):
        path[i + 1].weight = path[i + 1].weight + ((one * path[i].weight) * f32(i + 1)) / f32(d + 1)
        path[i].weight = ((zero * path[i].weight) * f32(d - i)) / f32(d + 1)


def _unwind(path: list[_Element], d: int, index: int) -> None:
    """``UnwindPath(unique_path, unique_depth = d, path_index = index)``, then the caller's
    ``unique_depth -= 1`` (the last element goes; the next extension would overwrite it)."""
    import numpy as np

    f32 = np.float32
    one, zero = path[index].one, path[index].zero
    next_one = path[d].weight
    taken = one != 0
    for i in range(d - 1, -1, -1):
        tmp = path[i].weight
        with_one = (next_one * f32(d + 1)) / (f32(i + 1) * one)
        without_one = (tmp * f32(d + 1)) / (zero * f32(d - i))
        path[i].weight = np.where(taken, with_one, without_one).astype(np.float32)
        next_one = np.where(taken, tmp - ((path[i].weight * zero) * f32(d - i)) / f32(d + 1), next_one)
        next_one = next_one.astype(np.float32)
    for i in range(index, d):
        path[i].feature, path[i].zero, path[i].one = path[i + 1].feature, path[i + 1].zero, path[i + 1].one
    path.pop()


def _unwound_sum(path: list[_Element], d: int, index: int) -> np.ndarray:
    """``UnwoundPathSum(unique_path, unique_depth = d, path_index = index)``."""
    import numpy as np

    f32 = np.float32
    one, zero = path[index].one, path[index].zero
    next_one = path[d].weight
    total = np.zeros(len(one), dtype=np.float32)
    with_one, with_zero = one != 0, zero != 0
    for i in range(d - 1, -1, -1):
        tmp = (next_one * f32(d + 1)) / (f32(i + 1) * one)
        share = f32(d - i) / f32(d + 1)
        by_one = total + tmp
        by_zero = total + (path[i].weight / zero) / share
        total = np.where(with_one, by_one, np.where(with_zero, by_zero, total)).astype(np.float32)
        next_one = np.where(with_one, path[i].weight - (tmp * zero) * share, next_one).astype(np.float32)
    return total
