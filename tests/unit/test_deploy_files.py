"""deploy/ and docs/DEPLOYMENT.md agree with the code: steps, pools, schedule, layout.

(`systemd-analyze verify` checks the units themselves in CI: scripts/follow_deployment_guide.py.)
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from nba_predictions.documents.models import STEPS

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
GUIDE = (ROOT / "docs" / "DEPLOYMENT.md").read_text(encoding="utf-8")


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / "systemd" / name)
    return parser


def test_one_timer_per_step_in_order_us_eastern():
    times = []
    for step in STEPS:
        timer = _unit(f"nba-step-{step}.timer")
        assert timer["Timer"]["Unit"] == f"nba-step@{step}.service"
        calendar = timer["Timer"]["OnCalendar"]
        assert calendar.endswith(" America/New_York")
        times.append(calendar.split()[1])
    assert times == sorted(times) and len(set(times)) == 4


def test_the_step_service_runs_nba_step_and_retries():
    service = _unit("nba-step@.service")["Service"]
    assert service["ExecStart"] == "/opt/nba-predictions/deploy/bin/nba-step %i"
    assert service["Restart"] == "on-failure" and service["EnvironmentFile"] == "/etc/nba-predictions/nba.env"


def test_worker_units_serve_the_deployed_pools():
    from nba_predictions.orchestration.deploy import POOLS

    worker = _unit("nba-prefect-worker@.service")["Service"]["ExecStart"]
    assert worker == "/opt/nba-predictions/venv-%i/bin/prefect worker start --pool nba-%i --type process"
    assert [p.name for p in POOLS] == [f"nba-{s}" for s in STEPS] + ["nba-pipeline"]
    for pool in POOLS:
        assert f"--pool {pool.name} --type process" in GUIDE


def test_cron_lines_match_the_guide_and_name_every_step():
    crontab = (DEPLOY / "cron" / "nba-predictions.crontab").read_text()
    lines = [line for line in crontab.splitlines() if line and not line.startswith("#")]
    assert lines[0] == "CRON_TZ=America/New_York"
    jobs = [line for line in lines if re.match(r"^\d", line)]
    assert [re.search(r"nba-step (\w+)", j).group(1) for j in jobs] == list(STEPS)
    for line in lines:
        if not line.startswith("# AWS"):
            assert line in GUIDE, f"the guide's crontab lacks: {line}"


def test_nba_step_runs_the_step_command_under_the_documents_root():
    """nba-step derives no folder itself: the step command puts each run in a folder of its own
    (documents/layout.py), the layout the Prefect flows use too."""
    script = (DEPLOY / "bin" / "nba-step").read_text()
    assert 'args=(step "$step" --documents "$NBA_DOCUMENTS")' in script
    assert "--output" not in script and "date -d" not in script  # the date's default is the step's (Python)
