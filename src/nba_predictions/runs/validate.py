"""``--validate``: check configuration, model, database and data source; one line each.

``--validate --step STEP`` checks only what that step needs, for a machine that runs one step
with only its ``requirements-<step>.txt``.  A check that fails for want of a package names the
requirements file that brings it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from nba_predictions.config import Settings

logger = logging.getLogger(__name__)

# Which step each check is for (its packages are in requirements-<step>.txt); the configuration is
# every step's.
CHECK_STEP = {"model": "prediction", "database": "storage", "data source": "collection"}
# What each step needs checked.  The features step fetches from the data source what a
# spec-format collected_games.json lacks (requirements-features.txt is collection's).
STEP_CHECKS = {
    "collection": ("configuration", "data source"),
    "features": ("configuration", "data source"),
    "prediction": ("configuration", "model"),
    "storage": ("configuration", "database"),
}


def _check(name: str, action: Callable[[], str]) -> tuple[str, bool]:
    try:
        return f"  [ok]   {name}: {action()}", True
    except ModuleNotFoundError as exc:
        logger.debug("validate %s failed", name, exc_info=True)
        step = CHECK_STEP.get(name)
        where = (
            (
                f"the {step} step needs it: pip install -r requirements-{step}.txt; on a machine that runs "
                "another step, validate only that one: --validate --step STEP"
            )
            if step
            else "reinstall the package"
        )
        return f"  [FAIL] {name}: {exc} ({where})", False
    except Exception as exc:  # every failure is reported, none stops the other checks
        logger.debug("validate %s failed", name, exc_info=True)
        return f"  [FAIL] {name}: {exc}", False


def _configuration(settings: Settings) -> str:
    return (
        f"source {settings.source}, target date {settings.target_date}, log level {settings.log_level}, "
        f"ratings good >= {settings.good_threshold:g}, mediocre >= {settings.mediocre_threshold:g}"
    )


def _model(settings: Settings) -> str:
    from nba_predictions.model.loader import load_model

    model = load_model(settings.model_path)
    return f"version {model.version}, {len(model.feature_names)} features, from {model.path}"


def _database(settings: Settings) -> str:
    from nba_predictions.runs.database_check import check_database  # masks credentials, creates nothing

    return check_database(settings.database_url)


def _source(settings: Settings) -> str:
    from nba_predictions.sources.registry import make_source

    source = make_source(settings, settings.target_date)
    if source.name == "archive":
        first, last = source.coverage()  # type: ignore[attr-defined]
        if not source.covers(settings.target_date):
            raise ValueError(
                f"the offline archive covers {first} to {last}, not {settings.target_date}; "
                "use --source nba_api for other dates"
            )
        return f"offline archive, covers {first} to {last}"
    probe = getattr(source, "probe", None)  # the live sources and the auto chain
    if probe is None:
        raise TypeError(f"--validate has no check for the {source.name} source")
    return probe(settings.target_date)  # one request, bounded in time; SourceError when unreachable


def validate(settings: Settings, step: str | None = None) -> tuple[str, bool]:
    """The report and whether every check passed: all four, or only those ``step`` needs."""
    actions: dict[str, Callable[[], str]] = {
        "configuration": lambda: _configuration(settings),
        "model": lambda: _model(settings),
        "database": lambda: _database(settings),
        "data source": lambda: _source(settings),
    }
    names = STEP_CHECKS[step] if step is not None else tuple(actions)
    checks = [_check(name, actions[name]) for name in names]
    ok = all(passed for _, passed in checks)
    title = "nba-predictions --validate" + (f" --step {step} ({', '.join(names)})" if step else "")
    lines = [title, *(line for line, _ in checks), "all checks passed" if ok else "some checks failed"]
    return "\n".join(lines), ok
