"""The model card's two longest sections, rendered from the model's metadata alone: how the label is
defined and fitted (:func:`label_section`), and how every choice was made (:func:`selection_section`).

:mod:`.card` writes the rest of ``docs/MODEL.md`` around them; each section appends its lines through
``add`` (the card's ``lines.append``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nba_predictions.documents.models import LAST_SECONDS_FEATURES

if TYPE_CHECKING:  # pragma: no cover
    from nba_predictions.model.loader import ModelMetadata

Add = Callable[[str], None]


def fmt(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}f}"


def seasons_text(v: dict[str, Any]) -> str:
    return ", ".join(f"{s} {fmt(x['spearman'])} / {fmt(x['mae'], 2)}" for s, x in v["seasons"].items())


def label_section(m: ModelMetadata, add: Add) -> None:
    d, label = m.details, m.label
    w = label.win_probability
    pos = d.get("possession") or {}
    add("## Label: a possession-aware Excitement Index")
    add("")
    add(
        "No public data set of human watchability ratings exists at scale, so the label is an **Excitement Index** "
        "(EI, after inpredictable): the sum of the absolute changes of the home team's win probability over the game. "
        f"**Rating label = 100 x the game's EI percentile among the training games**, read from "
        f"{len(label.reference_quantiles)} reference quantiles stored in `model_meta.json`: a rating of 87 means "
        '"more exciting than 87 % of the training games". Classes: good >= 80, mediocre 60-80, bad < 60 (configurable).'
    )
    add("")
    if "worth" in d:
        add(
            "This Excitement Index label is the backbone of the **worth-watching label** the model is trained on: "
            "the next section adds what was at stake and what a player did."
        )
        add("")
    add(
        f"The chosen label is **{label.candidate}** (see *How every choice was made*). Its win probability is Stern's "
        "Brownian motion widened twice:"
    )
    add("")
    add(
        "`P(home wins) = Phi((margin + v * ball + home_court * tau) / (sigma_g * sqrt(tau)))`, "
        "`sigma_g = sigma * (scoring_rate / reference_rate) ** alpha`"
    )
    add("")
    add(
        f"- **The ball** (`ball` = +1 home, -1 away): worth v = **{w['possession_value']}** points of margin. The "
        "archive holds every change of score, not every possession, so the ball is reconstructed: the scoring team has "
        "it just before a score and the other team just after; between two scores it changes hands "
        f"`round(gap / {label.possession_seconds} s) - 1` times (moved by one where the team that scores next must "
        "have "
        "it), spread evenly over the gap. A stop or a turnover in a close game now moves the probability as a basket "
        "does, so a possession-by-possession struggle with few points is no longer flat. The possession length "
        f"**{label.possession_seconds} s** is fitted by maximum likelihood on the gaps between scores "
        f"({pos.get('gaps', 0):,} gaps of the training seasons; a gap is a Gamma-distributed possession repeated until "
        f"one scores, share {pos.get('score_share')}, and the same team scores twice in a row when the count is even: "
        f"observed {pos.get('same_team_share')})."
    )
    add(
        "- **The game's own scoring rate**: `scoring_rate` is the sum of the squared points of every scoring event "
        "per "
        "48 minutes, the variance of the margin per unit of time of a compound-Poisson score (a three adds 9, a two 4, "
        f"a free throw 1); exponent alpha = **{w['rate_exponent']}** fitted by maximum likelihood, reference "
        f"{w['reference_rate']} (the training median). A basket in a slow, low-scoring game moves the probability more."
    )
    add(
        f"- home court {w['home_court']} points, sigma {w['sigma']} (fitted with the rest on game states every 60 s "
        "of the training seasons)."
    )
    add("")
    if label.at_neutral_site:
        add(
            "The EI is **read at a neutral site** (home court left out when the probability path is evaluated): the "
            "same game gives the same label whichever side was at home, so the label never rewards an away win for "
            "beating the home edge, a part of the first label that no side-symmetric feature could predict and that "
            "would have hinted at the winner."
        )
    if label.pace_exponent:
        add(
            f"It is also **read at the reference pace**: EI x (reference / the game's changes of possession per 48 "
            f"minutes) ^ {label.pace_exponent}, reference {label.reference_changes} (the training median). The "
            "expected "
            "total variation of a Brownian path cut into N steps grows as sqrt(N): without this the same story told "
            "over more possessions would be worth more, and seasons of faster play would drift up."
        )
    ei = d["label_ei_train"]
    add("")
    add(f"Training EI: mean {fmt(ei['mean'], 2)}, median {fmt(ei['median'], 2)}, 90th percentile {fmt(ei['p90'], 2)}.")
    add("")


def selection_section(m: ModelMetadata, add: Add) -> None:
    d = m.details
    s = d["selection"]
    fit, val = s["fit_seasons"], s["validation_seasons"]
    add("## How every choice was made")
    add("")
    add("| choice | data | rule | result |")
    add("|---|---|---|---|")
    add(
        f"| label (candidates below) | fitted on {fit[0]} to {fit[-1]}; scored on {', '.join(val)}; label bias on the "
        f"tight games of {m.train_seasons[0]} to {m.train_seasons[-1]} | most validation goals met, then lowest "
        f"validation log loss, then lowest validation MAE | **{m.label.candidate}**, refitted on "
        f"{m.train_seasons[0]} to "
        f"{m.train_seasons[-1]} |"
    )
    add(
        f"| hyper-parameters (grid below) | fitted on {fit[0]} to {fit[-1]}, scored on {', '.join(val)} | lowest mean "
        f"validation MAE | **{s['hyper_parameters']['chosen']}** |"
    )
    add(
        f"| features | fitted on {fit[0]} to {fit[-1]}, scored on {', '.join(val)} | the schema's; the comparison "
        "that adopted the last-seconds features, repeated below | all of them |"
    )
    add(f"| held-out scores | {', '.join(m.test_seasons)} | scored once, after every choice | the metrics above |")
    add("")
    add(
        f"**Label candidates.** Validation goals: the goals of the summary measured on {', '.join(val)} with a "
        "regressor "
        f"fitted on {fit[0]} to {fit[-1]} (the first model's settings), and the label's bias on the training range."
    )
    add("")
    add(
        "| candidate | what | validation log loss | Brier | tight games: Spearman(label, points) | validation "
        "Spearman / MAE | goals met |"
    )
    add("|---|---|---|---|---|---|---|")
    for r in s["label"]["candidates"]:
        mark = " **(chosen)**" if r["candidate"] == m.label.candidate else ""
        missed = [k for k, v in r["goals"].items() if not v]
        add(
            f"| {r['candidate']}{mark} | {r['description']} | {r['validation_log_loss']} | {r['validation_brier']} | "
            f"{fmt(r['training_tight_label_points_spearman'])} | {seasons_text(r)} | {r['goals_met']} of "
            f"{s['label']['goal_count']}{' (missed: ' + ', '.join(missed) + ')' if missed else ''} |"
        )
    add("")
    add(
        "The pace adjustment acts after the win probability, so the last two candidates share their log loss. "
        "Goal names: label_points, residual_points (tight games), season_residual (each validation season), "
        "decided_late (the final 10 s), held_out (Spearman and MAE on each validation season), old_label "
        "(Spearman with the first label)."
    )
    add("")
    add("**Hyper-parameters** (validation Spearman / MAE against the chosen label):")
    add("")
    add("| settings | validation | mean MAE |")
    add("|---|---|---|")
    for r in s["hyper_parameters"]["grid"]:
        add(f"| {r['hyper_parameters']} | {seasons_text(r)} | {fmt(r['mae'])} |")
    add("")
    add(
        "**Features.** The first model saw no feature of the last seconds: a buzzer-beater and a game sealed by free "
        "throws looked alike. The features " + ", ".join(f"`{n}`" for n in LAST_SECONDS_FEATURES) + " are computed "
        "from the score timeline by the per-game functions (`timeline.py`, every source) and by the vectorised pass "
        "(`steps/features.py`), equal value for value. Validation comparison (chosen label, the first model's "
        "settings):"
    )
    add("")
    add("| features | validation Spearman / MAE | decided in the final 10 s: mean abs residual |")
    add("|---|---|---|")
    for r in s["features"]:
        add(
            f"| {r['features']} | {seasons_text(r)} | {fmt(r['decided_late_mean_abs_residual'], 2)} "
            f"({r['decided_late_games']} games) |"
        )
    add("")
