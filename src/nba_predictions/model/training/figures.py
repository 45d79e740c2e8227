"""The model card's figures, drawn from one training run's :class:`~.result.TrainResult` (matplotlib here only)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nba_predictions.documents.models import LAST_SECONDS_FEATURES

if TYPE_CHECKING:  # pragma: no cover
    from nba_predictions.model.training.result import TrainResult

FIGURES = {
    "label_points": "model_label_vs_points.png",
    "residual_points": "model_residual_vs_points.png",
    "residual_season": "model_residual_by_season.png",
    "scatter": "model_predicted_vs_label.png",
    "calibration": "model_winprob_calibration.png",
    "importance": "model_feature_importance.png",
}
BEFORE, AFTER = "#7570b3", "#d95f02"


def _save(fig: Any, path: Path) -> None:
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})


def _binned(ax: Any, x: np.ndarray, y: np.ndarray, color: str, label: str) -> None:
    """Points, and the mean of y in five equal-count bins of x."""
    ax.scatter(x, y, s=5, alpha=0.25, color=color)
    edges = np.quantile(x, np.linspace(0, 1, 6))
    which = np.clip(np.digitize(x, edges[1:-1]), 0, 4)
    centres = [x[which == b].mean() for b in range(5)]
    means = [y[which == b].mean() for b in range(5)]
    ax.plot(centres, means, color=color, marker="o", linewidth=2, label=label)


def write_figures(result: TrainResult, img_dir: Path) -> dict[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a = result.arrays
    img_dir.mkdir(parents=True, exist_ok=True)
    paths = {key: img_dir / name for key, name in FIGURES.items()}
    tight, points = a["tight"], a["total_points"]

    # Label against total points, tight games: first label and new label.
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    for ax, key, color, title in (
        (axes[0], "old_label", BEFORE, "first label"),
        (axes[1], "label", AFTER, "new label"),
    ):
        _binned(ax, points[tight], a[key][tight], color, "mean of each fifth")
        ax.set_xlabel("total points")
        ax.set_title(f"Tight games: {title}")
        ax.legend(loc="lower right")
    axes[0].set_ylabel("label (0-100)")
    _save(fig, paths["label_points"])
    plt.close(fig)

    # Residual (rating - label) against total points, tight games.
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    for ax, (label, pred), color, title in (
        (axes[0], ("old_label", "old_pred"), BEFORE, "first model"),
        (axes[1], ("label", "pred"), AFTER, "new model"),
    ):
        res = np.clip(a[pred], 0, 100) - a[label]
        _binned(ax, points[tight], res[tight], color, "mean of each fifth")
        ax.axhline(0, color="black", linewidth=1)
        ax.set_xlabel("total points")
        ax.set_title(f"Tight games: {title}")
        ax.legend(loc="lower right")
    axes[0].set_ylabel("residual: rating - its label")
    _save(fig, paths["residual_points"])
    plt.close(fig)

    # Mean residual by season.
    seasons = sorted(set(a["season"].tolist()))
    fig, ax = plt.subplots(figsize=(8, 4))
    x = np.arange(len(seasons))
    for (label, pred), color, name in (
        (("old_label", "old_pred"), BEFORE, "first model"),
        (("label", "pred"), AFTER, "new model"),
    ):
        res = np.clip(a[pred], 0, 100) - a[label]
        ax.plot(x, [res[a["season"] == s].mean() for s in seasons], marker="o", color=color, label=name)
    ax.axhspan(-1.5, 1.5, color="#dddddd", zorder=0, label="goal: within +-1.5")
    ax.axhline(0, color="black", linewidth=1)
    trained = [s for s in seasons if a["train"][a["season"] == s].any()]
    if trained:
        ax.axvline(len(trained) - 0.5, color="grey", linestyle="--", linewidth=1)
        ax.text(len(trained) - 0.4, ax.get_ylim()[1] * 0.9, "held out / never used", fontsize=8, color="grey")
    ax.set_xticks(x, seasons, rotation=45, ha="right")
    ax.set_ylabel("mean residual (rating points)")
    ax.set_title("Mean residual by season (training seasons in-sample)")
    ax.legend(fontsize=8)
    _save(fig, paths["residual_season"])
    plt.close(fig)

    # Predicted versus label on the held-out seasons.
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    test = a["test"]
    for season, color in zip(sorted(set(a["season"][test].tolist())), ("#1b9e77", "#7570b3", "#d95f02")):
        rows = test & (a["season"] == season)
        ax.scatter(a["label"][rows], np.clip(a["pred"][rows], 0, 100), s=4, alpha=0.35, color=color, label=season)
    ax.plot([0, 100], [0, 100], color="black", linewidth=1)
    ax.set(
        xlim=(0, 100),
        ylim=(0, 100),
        xlabel="worth-watching label (0-100)" if "worth" in result.metadata.details else "label (100 x EI percentile)",
        ylabel="predicted rating",
        title="Held-out seasons: predicted vs label",
    )
    ax.legend(markerscale=4)
    _save(fig, paths["scatter"])
    plt.close(fig)

    # Win-probability calibration of the label's model on the held-out states.
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    rows = [r for r in result.calibration if r["states"]]
    ax.plot(
        [r["mean_predicted"] for r in rows],
        [r["observed"] for r in rows],
        marker="o",
        color=AFTER,
        label=result.metadata.label.candidate,
    )
    ax.plot([0, 1], [0, 1], color="black", linewidth=1)
    ax.set(
        xlabel="predicted P(home wins)",
        ylabel="observed home-win share",
        title="Win probability calibration, held-out seasons",
    )
    ax.legend(fontsize=8)
    _save(fig, paths["calibration"])
    plt.close(fig)

    # Feature importance: mean |contribution| on the held-out games, in rating points.
    items = sorted(result.importance.items(), key=lambda kv: kv[1])
    fig, ax = plt.subplots(figsize=(6.5, 5.2))
    colors = [AFTER if name in LAST_SECONDS_FEATURES else "#1b9e77" for name, _ in items]
    ax.barh([n for n, _ in items], [v for _, v in items], color=colors)
    ax.set_xlabel("mean |contribution| on held-out games (rating points)")
    ax.set_title("Feature importance (orange: the last-seconds features)")
    _save(fig, paths["importance"])
    plt.close(fig)
    return paths
