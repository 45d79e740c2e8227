"""The model card's worth-watching section (issue 23), rendered from the model's metadata alone.

Written only for a model trained on the worth-watching label (its metadata has ``details["worth"]``,
see :mod:`.worth_fit`): what changed and why, the form and the chosen weights, the Done-when figures,
how much each stakes and performance feature moves the median held-out game, and the acclaimed set
with label and rating per game and each row's source.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nba_predictions.model.training import worth_report as wr

if TYPE_CHECKING:  # pragma: no cover
    from nba_predictions.model.loader import ModelMetadata

Add = Callable[[str], None]


def _weights_text(weights: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in weights.items())


def worth_section(m: ModelMetadata, add: Add) -> None:
    """Append the section (nothing for a model trained on the Excitement Index label alone)."""
    w: dict[str, Any] | None = m.details.get("worth")
    if w is None:
        return
    choice, after, before = w["choice"], w["figures"]["after"], w["figures"]["before"]
    s = m.details["selection"]
    add("## Worth watching: what was at stake and what a player did")
    add("")
    add(
        "**What changed and why.** The label was the Excitement Index percentile alone: how far the win "
        "probability swung. Fans also ask what was at stake and what a player did, and the acclaimed games "
        "show it (a Game 7, a Finals clincher, a 60-point night in a one-sided game rated like any game with "
        "their swings). The label now adds the stakes features (known before tip-off) and the performance "
        "features (players' lines from the play-by-play; a game without them has performance features 0), "
        "and the model has them as inputs. The Excitement Index stays the backbone: the stakes bonus scales "
        "with it, and the result is mapped back to a percentile among the training games."
    )
    add("")
    add(f"**Form.** `{w['form']}`.")
    add("")
    add(
        f"**Weights chosen** on the validation seasons {', '.join(s['validation_seasons'])} against the "
        f"{choice['acclaimed_games']} acclaimed games of the training seasons: **{_weights_text(w['weights'])}**. "
        f"Rule: among the {choice['eligible_points']} of {choice['grid_points']} grid points whose label keeps a "
        f"Spearman >= {w['min_ei_spearman']} with the Excitement Index label on the validation games, the most "
        f"acclaimed training games labelled >= {w['acclaimed_label']:g} (the goal's 80 plus the MAE bound of 5, "
        "so that a rating within its error of the label stays >= 80); ties: the higher Spearman, then the earlier "
        f"grid point. Chosen: {choice['acclaimed_share']:.0%} of them labelled >= {w['acclaimed_label']:g}, "
        f"Spearman {choice['ei_spearman']:.3f}. The held-out seasons were not read. Grid:"
    )
    add("")
    add("| weight | values |")
    add("|---|---|")
    for name, values in w["grid"].items():
        add(f"| {name} | {', '.join(f'{v:g}' for v in values)} |")
    add("")
    add(
        f"{w['games_with_player_lines']:,} games have players' lines; {w['fifty_point_games']} have a 50-point "
        "scorer. The play-in and the NBA Cup final have no rated game in the archive, so no weight of their own: "
        "a play-in game whose loser is out counts as an elimination game."
    )
    add("")
    add("**The Done-when figures** (held-out seasons; this model and the first model, each against its own label):")
    add("")
    add("| figure | this model | first model |")
    add("|---|---|---|")
    for season, v in after["held_out"].items():
        b = before["held_out"][season]
        add(
            f"| {season}: Spearman / MAE against the label; Spearman against the Excitement Index label | "
            f"{v['spearman']:.3f} / {v['mae']:.2f}; {v['ei_spearman']:.3f} | "
            f"{b['spearman']:.3f} / {b['mae']:.2f}; {b['ei_spearman']:.3f} |"
        )
    for key, text in (
        ("stakes_gap", "same EI decile: Finals and elimination games minus regular-season games"),
        ("fifty_gap", "same EI decile: games with a 50-point scorer minus the others"),
    ):
        a, b = after[key], before[key]
        add(
            f"| {text} ({a['games']} games) | {a['gap']:+.1f} (s.e. {a['standard_error']:.1f}) | "
            f"{b['gap']:+.1f} (s.e. {b['standard_error']:.1f}) |"
        )
    add(
        f"| the acclaimed set rated >= 80 | {after['acclaimed_rated_high']} of {after['acclaimed_games']} | "
        f"{before['acclaimed_rated_high']} of {before['acclaimed_games']} |"
    )
    add("")
    add(
        f"The margin the same-decile goals ask for: more than {wr.GOAL_GAP_STANDARD_ERRORS:g} standard errors of the "
        "gap (a weighted mean of the deciles' differences of means), so that the stakes and the 50-point games rate "
        "higher beyond chance, not by an accident of the few held-out playoff games."
    )
    add("")
    mv = w["moves"]
    add(
        f"**How much each stakes and performance feature moves the rating** of the median held-out game "
        f"(`{mv['game_id']}`, rated {mv['rating']:.1f}), its other features kept:"
    )
    add("")
    add("| the median game made | features set | rating moves by |")
    add("|---|---|---|")
    for r in mv["moves"]:
        features = ", ".join(f"`{k}` {v:g}" for k, v in r["features"].items())
        add(f"| {r['scenario']} | {features} | {r['move']:+.1f} |")
    add("")
    add(
        "**The acclaimed development set** (`model/training/acclaimed_games.csv`; source read: yes, partly (the page "
        "names the feat, not the date) or no (from memory of widely reported games)):"
    )
    add("")
    add("| game | kind | season use | EI label | label | first rating | rating | source (read) |")
    add("|---|---|---|---|---|---|---|---|")
    for g in w["acclaimed"]:
        first = w["acclaimed_before"].get(g["game_id"])
        add(
            f"| {g['date']} {g['description']} (`{g['game_id']}`) | {g['kind']} | {g['where']} | {g['ei_label']:.1f} "
            f"| {g['label']:.1f} | {'' if first is None else f'{first:.1f}'} | **{g['rating']:.1f}** | "
            f"{g['source']} ({g['verified']}) |"
        )
    if w["acclaimed_missing"]:
        add("")
        add(f"Not rated (no complete timeline): {', '.join(w['acclaimed_missing'])}.")
    add("")
