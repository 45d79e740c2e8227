"""The model card states the committed model's held-out figures.

``docs/MODEL.md`` is written by the training run; these tests render its metrics lines again from the
committed ``model_meta.json`` (no retraining) and read the card's metrics table on their own, so a
retrained model committed without its card (or a hand-edited card) fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nba_predictions.model.loader import ModelMetadata, default_model_path, meta_path_for
from nba_predictions.model.training.card import goal_table, metrics_table
from nba_predictions.model.training.card_worth import worth_section
from nba_predictions.model.training.result import goal_lines

CARD = Path(__file__).resolve().parents[2] / "docs" / "MODEL.md"


@pytest.fixture(scope="module")
def metadata() -> ModelMetadata:
    return ModelMetadata.model_validate_json(meta_path_for(default_model_path()).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def card_lines() -> list[str]:
    return CARD.read_text(encoding="utf-8").splitlines()


def test_card_metrics_and_goals_render_from_the_committed_metadata(
    metadata: ModelMetadata, card_lines: list[str]
) -> None:
    for table in (goal_table(metadata), metrics_table(metadata)):
        start = card_lines.index(table[0])
        assert card_lines[start : start + len(table)] == table
    assert f"Model version **{metadata.model_version}**" in "\n".join(card_lines)


def test_card_states_each_held_out_seasons_spearman_and_mae(metadata: ModelMetadata, card_lines: list[str]) -> None:
    row = re.compile(r"^\| (\d{4}-\d{2}) \| ([\d,]+) \| \*\*([\d.]+)\*\* \| \*\*([\d.]+)\*\* \|")
    stated = {
        m.group(1): (int(m.group(2).replace(",", "")), float(m.group(3)), float(m.group(4)))
        for m in map(row.match, card_lines)
        if m
    }
    assert set(stated) == set(metadata.test_seasons) == {s.season for s in metadata.metrics}
    for s in metadata.metrics:
        games, spearman, mae = stated[s.season]
        assert games == s.games
        assert spearman == round(s.spearman, 3), s.season
        assert mae == round(s.mae, 2), s.season


def test_every_goal_is_stated_with_its_figure_before_and_after(metadata: ModelMetadata, card_lines: list[str]) -> None:
    goals = metadata.details["goals"]
    # The 8 goals of issue 15, and the 4 of issue 23's Done-when for a model on the worth-watching label.
    assert len(goals["after"]) == len(goals["before"]) == (12 if "worth" in metadata.details else 8)
    text = "\n".join(card_lines)
    for after, before in zip(goals["after"], goals["before"]):
        assert after["goal"] == before["goal"]
        assert (
            f"| {after['goal']} | {'**met**' if after['met'] else '**not met**'} | {after['figure']} | {before['figure']} |"
            in text
        )
    # The training run prints the same lines (result.TrainReport.render).
    assert all(line.startswith(("[met] ", "[NOT MET] ")) for line in goal_lines(metadata))


def test_card_shows_the_famous_games_and_the_bias_figures(metadata: ModelMetadata, card_lines: list[str]) -> None:
    text = "\n".join(card_lines)
    for gid in ("0041500407", "0041800217", "0021500874"):  # the 2016 Finals Game 7, Kawhi's Game 7, Curry at OKC
        row = next(line for line in card_lines[card_lines.index("## Famous games") :] if f"(`{gid}`)" in line)
        famous = metadata.details["bias"]["after"]["ratings"]["famous_games"][gid]
        assert row.endswith(f"| {famous['label']:.1f} | **{famous['rating']:.1f}** |")
    for image in ("model_label_vs_points.png", "model_residual_vs_points.png", "model_residual_by_season.png"):
        assert f"(img/{image})" in text
        assert (CARD.parent / "img" / image).is_file()


def _worth_details() -> dict[str, object]:
    gap = {"gap": 5.1, "standard_error": 0.9, "games": 48, "deciles": 10}
    figures = {
        "held_out": {"2023-24": {"spearman": 0.987, "mae": 3.57, "ei_spearman": 0.972}},
        "stakes_gap": gap,
        "fifty_gap": gap,
        "acclaimed_share": 0.95,
        "acclaimed_games": 44,
        "acclaimed_rated_high": 42,
    }
    game = {
        "game_id": "0021601076",
        "date": "2017-03-24",
        "kind": "performance",
        "description": "Devin Booker's 70 points (in a loss)",
        "source": "https://timesseek.com/sport/63813.html",
        "verified": "yes",
        "where": "training",
        "ei_label": 4.6,
        "label": 90.0,
        "rating": 90.9,
    }
    return {
        "form": "raw = E x (1 + stakes / 100)",
        "weights": {"finals": 40.0, "fifty_floor": 90.0},
        "choice": {
            "acclaimed_games": 35,
            "eligible_points": 6048,
            "grid_points": 6048,
            "acclaimed_share": 1.0,
            "ei_spearman": 0.978,
        },
        "grid": {"finals": [0.0, 20.0, 40.0]},
        "min_ei_spearman": 0.92,
        "acclaimed_label": 85.0,
        "games_with_player_lines": 15283,
        "fifty_point_games": 205,
        "acclaimed": [game],
        "acclaimed_missing": [],
        "acclaimed_before": {"0021601076": 8.6},
        "figures": {"after": figures, "before": figures},
        "moves": {
            "game_id": "0022300023",
            "rating": 45.0,
            "moves": [{"scenario": "a 50-point scorer", "features": {"top_points": 50}, "move": 35.6}],
        },
    }


def test_the_worth_section_is_written_for_a_worth_label_only(metadata: ModelMetadata) -> None:
    lines: list[str] = []
    plain = metadata.model_copy(update={"details": {k: v for k, v in metadata.details.items() if k != "worth"}})
    worth_section(plain, lines.append)
    assert lines == []
    worth = metadata.model_copy(update={"details": {**metadata.details, "worth": _worth_details()}})
    worth_section(worth, lines.append)
    text = "\n".join(lines)
    assert "**finals 40, fifty_floor 90**" in text
    assert "| a 50-point scorer | `top_points` 50 | +35.6 |" in text
    assert (
        "| 2017-03-24 Devin Booker's 70 points (in a loss) (`0021601076`) | performance | training | 4.6 | 90.0 | 8.6 "
        "| **90.9** | https://timesseek.com/sport/63813.html (yes) |" in text
    )
