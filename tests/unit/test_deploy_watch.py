"""deploy/systemd's watch units, the Prefect deployment and docs/DEPLOYMENT.md agree with the code.

(`systemd-analyze verify` checks the units themselves in CI: scripts/follow_deployment_guide.py.)
"""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

from nba_predictions.cli.watch import watch_parser

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "DEPLOYMENT.md").read_text(encoding="utf-8")


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "deploy" / "systemd" / name)
    return parser


def test_the_watch_service_runs_watch_until_done_and_the_timer_starts_it_at_noon_eastern():
    service = _unit("nba-watch.service")["Service"]
    command = shlex.split(service["ExecStart"])
    assert command[:3] == ["/opt/nba-predictions/venv-pipeline/bin/python", "/opt/nba-predictions/main.py", "watch"]
    args = watch_parser().parse_args(command[3:])
    assert (args.until_done, args.source, args.interval, args.documents) == (True, "cdn", 120.0, "${NBA_DOCUMENTS}")
    assert service["EnvironmentFile"] == "/etc/nba-predictions/nba.env" and service["Restart"] == "on-failure"
    timer = _unit("nba-watch.timer")["Timer"]
    assert timer["Unit"] == "nba-watch.service" and timer["OnCalendar"] == "*-*-* 12:00:00 America/New_York"


def test_the_prefect_deployment_and_the_guide_name_the_same_schedule():
    from nba_predictions.orchestration.deploy import WATCH_CRON, WATCH_DEPLOYMENT

    assert WATCH_CRON == "0 12 * * *" and WATCH_DEPLOYMENT in GUIDE
    assert "deploy/systemd/nba-watch.service deploy/systemd/nba-watch.timer" in GUIDE
    assert "12:00 America/New_York" in GUIDE
