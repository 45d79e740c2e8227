"""The model card ``docs/MODEL.md`` and its figures, written by the training run.

Every number and figure in the card comes from the :class:`~nba_predictions.model.training.train.TrainResult`
of the run that wrote it, so the card cannot drift from the committed model.  The goals and the
held-out metrics are rendered from the :class:`~nba_predictions.model.loader.ModelMetadata` alone,
so a test can render them from the committed ``model_meta.json`` and compare with ``docs/MODEL.md``
without retraining.  matplotlib is imported by :mod:`.figures` only (the ``train`` extra).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nba_predictions.core.atomic import write_text_atomic
from nba_predictions.documents.models import LAST_SECONDS_FEATURES
from nba_predictions.errors import ModelError
from nba_predictions.model.training import bias
from nba_predictions.model.training.figures import FIGURES, write_figures

if TYPE_CHECKING:  # pragma: no cover
    from nba_predictions.model.loader import ModelMetadata
    from nba_predictions.model.training.train import TrainResult

logger = logging.getLogger(__name__)

IMG = "img"


def _fmt(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}f}"


def goal_table(m: ModelMetadata) -> list[str]:
    """The goals with the new model's and the first model's figures (from the metadata)."""
    lines = ["| goal | met | this model | first model |", "|---|---|---|---|"]
    for a, b in zip(m.details["goals"]["after"], m.details["goals"]["before"]):
        lines.append(f"| {a['goal']} | {'**met**' if a['met'] else '**not met**'} | {a['figure']} | {b['figure']} |")
    return lines


def metrics_table(m: ModelMetadata) -> list[str]:
    """The held-out metrics table (one line each), from the metadata; the seasons after them below it."""
    lines = [
        "| season | games | Spearman | MAE | baseline Spearman | baseline MAE | Spearman with the first label |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in m.details["held_out_metrics"]:
        lines.append(
            f"| {s['season']} | {s['games']:,} | **{_fmt(s['spearman'])}** | **{_fmt(s['mae'], 2)}** | "
            f"{_fmt(s['baseline_spearman'])} | {_fmt(s['baseline_mae'], 2)} | {_fmt(s['old_label_spearman'])} |"
        )
    for s in m.details["unused_seasons"]:
        lines.append(
            f"| {s['season']} (never used) | {s['games']:,} | {_fmt(s['spearman'])} | {_fmt(s['mae'], 2)} | "
            f"{_fmt(s['baseline_spearman'])} | {_fmt(s['baseline_mae'], 2)} | {_fmt(s['old_label_spearman'])} |"
        )
    tm = m.details["train_metrics"]
    lines.append(
        f"| training (in-sample) | {m.training['games']:,} | {_fmt(tm['spearman'])} | {_fmt(tm['mae'], 2)} | | | |"
    )
    return lines


def _seasons(v: dict[str, Any]) -> str:
    return ", ".join(f"{s} {_fmt(x['spearman'])} / {_fmt(x['mae'], 2)}" for s, x in v["seasons"].items())


def _label_section(m: ModelMetadata, add: Any) -> None:
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
        f"`round(gap / {label.possession_seconds} s) - 1` times (moved by one where the team that scores next must have "
        "it), spread evenly over the gap. A stop or a turnover in a close game now moves the probability as a basket "
        "does, so a possession-by-possession struggle with few points is no longer flat. The possession length "
        f"**{label.possession_seconds} s** is fitted by maximum likelihood on the gaps between scores "
        f"({pos.get('gaps', 0):,} gaps of the training seasons; a gap is a Gamma-distributed possession repeated until "
        f"one scores, share {pos.get('score_share')}, and the same team scores twice in a row when the count is even: "
        f"observed {pos.get('same_team_share')})."
    )
    add(
        f"- **The game's own scoring rate**: `scoring_rate` is the sum of the squared points of every scoring event per "
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
            f"minutes) ^ {label.pace_exponent}, reference {label.reference_changes} (the training median). The expected "
            "total variation of a Brownian path cut into N steps grows as sqrt(N): without this the same story told "
            "over more possessions would be worth more, and seasons of faster play would drift up."
        )
    ei = d["label_ei_train"]
    add("")
    add(
        f"Training EI: mean {_fmt(ei['mean'], 2)}, median {_fmt(ei['median'], 2)}, 90th percentile {_fmt(ei['p90'], 2)}."
    )
    add("")


def render_card(result: TrainResult, seconds: float) -> str:
    m = result.metadata
    d = m.details
    s = d["selection"]
    lines: list[str] = []
    add = lines.append
    add("# Model card: NBA game watchability rating")
    add("")
    add(
        "*Generated by the training run (`python scripts/train_model.py`: the same `train_main` as "
        "`nba-predictions train`, plus this card); do not edit by hand. Every number and figure below comes "
        "from that run.*"
    )
    add("")
    add("## Summary")
    add("")
    add(
        f"- Model version **{m.model_version}**: an XGBoost regressor (XGBoost {m.xgboost_version}, "
        f"`{m.training['params']['objective']}`, {m.training['rounds']} trees of depth {m.training['params']['max_depth']}) "
        f"on the {len(m.feature_names)} features of `engineered_features.json`, predicting a 0-100 rating."
    )
    add(
        f"- Trained on {m.training['games']:,} games of {m.train_seasons[0]} to {m.train_seasons[-1]}; every choice made "
        f"on the validation seasons {', '.join(s['validation_seasons'])} (inside the training range); held out: "
        f"{', '.join(m.test_seasons)} ({d['test_games']:,} games), scored once at the end; the games after them "
        "(the running season) never used for anything."
    )
    add(f"- Training time {seconds:.0f} s (wall clock; XGBoost on one thread).")
    add("")
    add(
        "The goals, measured by this run (and by the same run on the first shipped model, refitted: its label, its 14 "
        'features and its settings). Residual = rating - label, each model against its own label; "outside the '
        "training seasons\" = the held-out and the never-used games (the training seasons' residuals are in-sample)."
    )
    add("")
    lines.extend(goal_table(m))
    add("")
    add("## Data")
    add("")
    add(
        f"The package's offline archive (`src/nba_predictions/data/archive.sqlite`, timelines "
        f"{d['archive'].get('first_timeline_date')} to {d['archive'].get('last_timeline_date')}, results to "
        f"{d['archive'].get('last_result_date')}), built from public play-by-play (see `data/README.md`). "
        f"{d['games_with_features']:,} games have a complete score timeline and valid features; "
        f"{d['games_skipped_by_features']} were skipped by the features step (truncated play-by-play, no "
        "play-by-play for play-in games). Regular-season and playoff games are both used. Features come from "
        "the features step's own vectorised `season_feature_table`, the code that rates new games."
    )
    add("")
    _label_section(m, add)
    add("## Bias before and after")
    add("")
    add(
        f"**Tight games** ({d['bias']['after']['all']['tight_games']:,}): regulation, final margin <= "
        f"{bias.TIGHT_FINAL_MARGIN}, within 5 points for the whole last 5:00. The first label tracked scoring volume; "
        "the new one does not:"
    )
    add("")
    add(f"![label against total points]({IMG}/{FIGURES['label_points']})")
    add("")
    add(f"![residual against total points]({IMG}/{FIGURES['residual_points']})")
    add("")
    after, before = d["bias"]["after"], d["bias"]["before"]
    add("| figure | first model | this model |")
    add("|---|---|---|")
    for name, key, digits in (
        ("tight games: Spearman(label, total points)", "tight_label_points_spearman", 3),
        ("tight games: label, low-scoring third", "tight_label_low_third", 1),
        ("tight games: label, high-scoring third", "tight_label_high_third", 1),
        ("tight games: rating, low-scoring third", "tight_rating_low_third", 1),
        ("tight games: rating, high-scoring third", "tight_rating_high_third", 1),
        ("tight games: Spearman(residual, total points)", "tight_residual_points_spearman", 3),
        (
            f"decided in the final {bias.DECIDED_SECONDS:g} s ({after['all']['decided_late_games']} games): mean absolute residual",
            "decided_late_mean_abs_residual",
            2,
        ),
        ("decided in the final 10 s: mean residual", "decided_late_mean_residual", 2),
    ):
        add(f"| {name} | {_fmt(before['all'][key], digits)} | {_fmt(after['all'][key], digits)} |")
    ra, rb = after["ratings"], before["ratings"]
    add(
        f"| {bias.LEVEL_SEASON}, regulation, margin <= {bias.LEVEL_FINAL_MARGIN} ({ra['level_games']} games): rating, "
        f"low / high-scoring third | {_fmt(rb['level_rating_low_third'], 1)} / {_fmt(rb['level_rating_high_third'], 1)} | "
        f"{_fmt(ra['level_rating_low_third'], 1)} / {_fmt(ra['level_rating_high_third'], 1)} |"
    )
    add("")
    add("**Mean residual by season** (the first model drifted as league scoring rose):")
    add("")
    add(f"![residual by season]({IMG}/{FIGURES['residual_season']})")
    add("")
    add("| season | first model | this model |")
    add("|---|---|---|")
    for season, v in after["all"]["season_mean_residual"].items():
        where = (
            " (training, in-sample)"
            if season in m.train_seasons
            else (" (held out)" if season in m.test_seasons else " (never used)")
        )
        add(f"| {season}{where} | {before['all']['season_mean_residual'][season]:+.2f} | {v:+.2f} |")
    add("")
    add("## Famous games")
    add("")
    add("| game | season | first label | first rating | label | rating |")
    add("|---|---|---|---|---|---|")
    for gid, text in bias.FAMOUS_GAMES.items():
        a, b = ra["famous_games"].get(gid), rb["famous_games"].get(gid)
        if a and b:
            seen = " (training)" if a["season"] in m.train_seasons else ""
            add(
                f"| {text} (`{gid}`) | {a['season']}{seen} | {b['label']:.1f} | {b['rating']:.1f} | {a['label']:.1f} | **{a['rating']:.1f}** |"
            )
    add("")
    in_sample = sum(v["season"] in m.train_seasons for v in ra["famous_games"].values())
    add(
        f"{in_sample} of these {len(ra['famous_games'])} games are training games (their ratings are in-sample). The widest blowouts (won by {bias.BLOWOUT_POINTS} "
        f"or more, {ra['blowout_games']} games) rate at most {ra['blowout_max_rating']:.1f} (first model "
        f"{rb['blowout_max_rating']:.1f})."
    )
    add("")
    add("## Metrics on the held-out seasons")
    add("")
    add(
        f"Baseline: a hand formula, `{d['baseline']}`, mapped to 0-100 through its own training-set percentiles. The "
        "last column compares the new ratings with the first label: the meaning of the rating stays recognisable."
    )
    add("")
    lines.extend(metrics_table(m))
    add("")
    add(f"![predicted vs label]({IMG}/{FIGURES['scatter']})")
    add("")
    wp_ = d["held_out_win_probability"]
    add(
        f"The label's win probability on the held-out seasons' game states ({wp_['states']:,}, every 60 s): log loss "
        f"{wp_['log_loss']}, Brier {wp_['brier']}, calibration error {wp_['calibration_error']}; it predicts a home win "
        f"{wp_['mean_predicted']:.3f} of the time against {wp_['observed']:.3f} observed (home court has been shrinking; "
        "the label is read at a neutral site, so this offset does not reach it)."
    )
    add("")
    add("| predicted bin | states | mean predicted | observed |")
    add("|---|---|---|---|")
    for r in result.calibration:
        if r["states"]:
            add(
                f"| {r['low']:.1f}-{r['high']:.1f} | {r['states']:,} | {r['mean_predicted']:.3f} | {r['observed']:.3f} |"
            )
    add("")
    add(f"![win probability calibration]({IMG}/{FIGURES['calibration']})")
    add("")
    _selection_section(m, add)
    add("## Feature importance")
    add("")
    add(
        "Mean absolute per-feature contribution on the held-out games (XGBoost's `pred_contribs`, in rating "
        "points; the prediction step reports the top three per game) and each feature's share of the total split gain:"
    )
    add("")
    add("| feature | mean abs contribution | gain share |")
    add("|---|---|---|")
    for name, v in sorted(d["importance_mean_abs_contribution"].items(), key=lambda kv: -kv[1]):
        add(f"| {name} | {_fmt(v, 2)} | {_fmt(d['importance_gain_share'][name], 3)} |")
    add("")
    add(f"![feature importance]({IMG}/{FIGURES['importance']})")
    add("")
    add("## Reproducibility")
    add("")
    add(
        f"Seed {m.training['seed']}, one thread, fixed candidates and grid, every fitted parameter rounded (win "
        "probability to 4 decimals, possession length to 3, label quantiles to 6) before use. Rerunning "
        "`python scripts/train_model.py` from a clean clone rewrites byte-identical `model.json` / "
        "`model_meta.json` (same XGBoost version, pinned by the `train` extra). `tests/unit/test_training.py` retrains "
        "in full and compares the bytes with the committed files (with another XGBoost version: the held-out "
        "metrics), and recomputes the committed metrics from the metadata's own label definition."
    )
    add("")
    add("## Limitations")
    add("")
    add(
        "- The label is a proxy for watchability: it measures swings of win probability, not star power, "
        "dunks, records or playoff stakes."
    )
    add(
        "- Possessions between scores are imputed from time, not read: a game of many offensive rebounds or quick "
        "turnovers gets the same number of changes of possession as any other over the same scoreless stretch."
    )
    add(
        "- The label uses the game's final scoring rate (it is computed after the game); it is a retrospective "
        "measure, not a live win probability."
    )
    add(
        f"- Trained on {m.train_seasons[0]} to {m.train_seasons[-1]}; the residual by season above shows what is left "
        "of the drift with league scoring."
    )
    add("")
    return "\n".join(lines)


def _selection_section(m: ModelMetadata, add: Any) -> None:
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
        f"validation log loss, then lowest validation MAE | **{m.label.candidate}**, refitted on {m.train_seasons[0]} to "
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
        f"**Label candidates.** Validation goals: the goals of the summary measured on {', '.join(val)} with a regressor "
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
            f"{_fmt(r['training_tight_label_points_spearman'])} | {_seasons(r)} | {r['goals_met']} of "
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
        add(f"| {r['hyper_parameters']} | {_seasons(r)} | {_fmt(r['mae'])} |")
    add("")
    add(
        "**Features.** The first model saw no feature of the last seconds: a buzzer-beater and a game sealed by free "
        "throws looked alike. The features " + ", ".join(f"`{n}`" for n in LAST_SECONDS_FEATURES) + " are computed "
        "from the score timeline by the per-game functions (`timeline.py`, every source) and by the vectorised pass "
        "(`steps/features.py`), equal value for value. Validation comparison (chosen label, the first model's settings):"
    )
    add("")
    add("| features | validation Spearman / MAE | decided in the final 10 s: mean abs residual |")
    add("|---|---|---|")
    for r in s["features"]:
        add(
            f"| {r['features']} | {_seasons(r)} | {_fmt(r['decided_late_mean_abs_residual'], 2)} ({r['decided_late_games']} games) |"
        )
    add("")


def write_card(result: TrainResult, docs_dir: Path, seconds: float) -> Path:
    """Write ``docs_dir/MODEL.md`` (atomically) and the figures under ``docs_dir/img``; return the
    card's path.  An ``OSError`` becomes a one-line :class:`ModelError`."""
    path = docs_dir / "MODEL.md"
    try:
        write_figures(result, docs_dir / IMG)
        write_text_atomic(path, render_card(result, seconds))
    except OSError as exc:
        raise ModelError(
            f"could not write the model card to {docs_dir} ({exc.strerror or exc}): "
            "fix the folder or pass --docs-dir another one, and retrain"
        ) from exc
    logger.info("model card written to %s", path)
    return path
