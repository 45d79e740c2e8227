"""What one training run produced (:class:`TrainResult`) and what ``nba-predictions train`` prints
of it (:class:`TrainReport`).

Apart from :mod:`.train` so that the model card (:mod:`.card`, :mod:`.figures`), which renders a
result, and the run, which makes one, do not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nba_predictions.model.loader import ModelMetadata, meta_path_for


@dataclass
class TrainResult:
    """Everything one training run produced; :func:`write_model` and the card use it."""

    model_bytes: bytes
    metadata: ModelMetadata
    # Per-game arrays for the figures (not written to the metadata).
    arrays: dict[str, np.ndarray] = field(repr=False, default_factory=dict)
    calibration: list[dict[str, float]] = field(repr=False, default_factory=list)
    importance: dict[str, float] = field(repr=False, default_factory=dict)


def goal_lines(metadata: ModelMetadata) -> list[str]:
    """One line per goal: met or not, the figure after, and the first model's figure."""
    goals = metadata.details["goals"]
    return [
        f"[{'met' if a['met'] else 'NOT MET'}] {a['goal']}: {a['figure']} (first model: {b['figure']})"
        for a, b in zip(goals["after"], goals["before"])
    ]


@dataclass
class TrainReport:
    """What ``nba-predictions train`` prints."""

    model_path: Path
    metadata: ModelMetadata
    seconds: float
    card_path: Path | None = None

    def render(self) -> str:
        m = self.metadata
        sel_ = m.details["selection"]
        lines = [
            f"model {m.model_version} written to {self.model_path} (+ {meta_path_for(self.model_path).name})",
            f"trained on {m.training['games']} games of {m.train_seasons[0]} to {m.train_seasons[-1]} in "
            f"{self.seconds:.1f} s",
            f"chosen on {', '.join(sel_['validation_seasons'])}: label {m.label.candidate}, "
            f"{sel_['hyper_parameters']['chosen']}",
        ]
        for s in m.details["held_out_metrics"]:
            lines.append(
                f"held-out {s['season']}: {s['games']} games, Spearman {s['spearman']:.3f} (baseline "
                f"{s['baseline_spearman']:.3f}), "
                f"MAE {s['mae']:.2f} (baseline {s['baseline_mae']:.2f}), Spearman with the first label "
                f"{s['old_label_spearman']:.3f}"
            )
        for s in m.details["unused_seasons"]:
            lines.append(
                f"never used {s['season']}: {s['games']} games, Spearman {s['spearman']:.3f}, MAE {s['mae']:.2f}"
            )
        lines.extend(goal_lines(m))
        if self.card_path is not None:
            lines.append(f"model card: {self.card_path}")
        return "\n".join(lines)
