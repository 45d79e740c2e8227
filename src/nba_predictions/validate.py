"""``--validate``: check configuration, model, database and data source; one line each."""

from __future__ import annotations

import logging

from .config import Settings

logger = logging.getLogger(__name__)


def _check(name: str, action) -> tuple[str, bool]:  # noqa: ANN001
    try:
        return f"  [ok]   {name}: {action()}", True
    except Exception as exc:  # every failure is reported, none stops the other checks
        logger.debug("validate %s failed", name, exc_info=True)
        return f"  [FAIL] {name}: {exc}", False


def _configuration(settings: Settings) -> str:
    return (f"source {settings.source}, target date {settings.target_date}, log level {settings.log_level}, "
            f"ratings good >= {settings.good_threshold:g}, mediocre >= {settings.mediocre_threshold:g}")


def _model(settings: Settings) -> str:
    from .model.loader import load_model

    model = load_model(settings.model_path)
    return f"version {model.version}, {len(model.feature_names)} features, from {model.path}"


def _database(settings: Settings) -> str:
    from .steps.storage import check_database  # masks credentials, creates nothing

    return check_database(settings.database_url)


def _source(settings: Settings) -> str:
    from .sources.registry import make_source

    source = make_source(settings, settings.target_date)
    if source.name == "archive":
        first, last = source.coverage()  # type: ignore[attr-defined]
        if not source.covers(settings.target_date):
            raise ValueError(f"the offline archive covers {first} to {last}, not {settings.target_date}; "
                             "use --source nba_api for other dates")
        return f"offline archive, covers {first} to {last}"
    from .sources.nba_api import NbaApiSource

    if not isinstance(source, NbaApiSource):
        raise TypeError(f"--validate has no check for the {source.name} source")
    return source.probe(settings.target_date)  # one request, bounded in time; SourceError when unreachable


def validate(settings: Settings) -> tuple[str, bool]:
    checks = [
        _check("configuration", lambda: _configuration(settings)),
        _check("model", lambda: _model(settings)),
        _check("database", lambda: _database(settings)),
        _check("data source", lambda: _source(settings)),
    ]
    ok = all(passed for _, passed in checks)
    lines = ["nba-predictions --validate", *(line for line, _ in checks), "all checks passed" if ok else "some checks failed"]
    return "\n".join(lines), ok
