"""Clocks and time zones (issue 25, item 5): the default date and the daily schedules.

The default date ("yesterday", US Eastern) is checked with fixed clocks, never by waiting: in
process every quarter hour over the days around both 2026 daylight-saving changes (2026-03-08,
2026-11-01) against a hand-written rule for US Eastern, and in subprocesses whose machine time zone
is far from New York (TZ=Asia/Tokyo, UTC+9; TZ=Pacific/Honolulu, UTC-10) with a fixed "now"
(NBA_NOW, the documented test clock).  The schedules (deploy/cron, deploy/systemd's timers, the
Prefect deployments' cron) are evaluated over the same days by the evaluator each scheduler uses or
an equivalent (Prefect's own CronSchedule; cronsim, the cron evaluator Prefect's dependencies bring;
`systemd-analyze calendar --base-time`): exactly one fire per local day, at the local time written,
and the job fired rates the right date.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from nba_predictions.config import EASTERN, now_eastern, yesterday_eastern
from nba_predictions.errors import UsageError
from tests.conftest import MAIN
from tests.services import service_missing

ROOT = Path(__file__).resolve().parents[2]
UTC = timezone.utc
# US Eastern in 2026, written out by hand (the oracle, independent of zoneinfo): EDT (UTC-4) from
# 2026-03-08 02:00 EST (07:00 UTC) to 2026-11-01 02:00 EDT (06:00 UTC), EST (UTC-5) otherwise.
DST_STARTS = datetime(2026, 3, 8, 7, tzinfo=UTC)
DST_ENDS = datetime(2026, 11, 1, 6, tzinfo=UTC)
CHANGES = (date(2026, 3, 8), date(2026, 11, 1))
FAR_ZONES = ("Asia/Tokyo", "Pacific/Honolulu")


def _eastern_by_hand(instant: datetime) -> datetime:
    """``instant``'s US Eastern wall time in 2026, naive, by the rule above."""
    offset = -4 if DST_STARTS <= instant < DST_ENDS else -5
    return (instant + timedelta(hours=offset)).replace(tzinfo=None)


def _days_around(change: date, before: int = 3, after: int = 3) -> list[date]:
    return [change + timedelta(days=d) for d in range(-before, after + 1)]


# -- the default date -------------------------------------------------------------------------------


@pytest.mark.parametrize("change", CHANGES)
def test_yesterday_every_quarter_hour_around_each_change_in_any_zone(change):
    start = datetime.combine(change - timedelta(days=2), datetime.min.time(), UTC)
    for quarter in range(4 * 24 * 5):
        instant = start + timedelta(minutes=15 * quarter)
        expected = _eastern_by_hand(instant).date() - timedelta(days=1)
        for zone in ("UTC", "America/New_York", *FAR_ZONES):
            from zoneinfo import ZoneInfo

            assert yesterday_eastern(instant.astimezone(ZoneInfo(zone))) == expected, (instant, zone)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-03-07T23:59:59-05:00", "2026-03-06"),  # the second before midnight, the night before the change
        ("2026-03-08T00:00:00-05:00", "2026-03-07"),
        ("2026-03-08T01:59:59-05:00", "2026-03-07"),  # the last second of EST
        ("2026-03-08T03:00:00-04:00", "2026-03-07"),  # the next second: 02:00 EST is 03:00 EDT
        ("2026-03-08T23:59:59-04:00", "2026-03-07"),  # the 23-hour day's last second
        ("2026-03-09T00:00:00-04:00", "2026-03-08"),
        ("2026-10-31T23:59:59-04:00", "2026-10-30"),
        ("2026-11-01T01:30:00-04:00", "2026-10-31"),  # 01:30 the first time (EDT) ...
        ("2026-11-01T01:30:00-05:00", "2026-10-31"),  # ... and the second time (EST)
        ("2026-11-01T23:59:59-05:00", "2026-10-31"),  # the 25-hour day's last second
        ("2026-11-02T00:00:00-05:00", "2026-11-01"),
    ],
)
def test_yesterday_at_midnight_and_on_the_changes(now, expected):
    assert yesterday_eastern(datetime.fromisoformat(now)).isoformat() == expected


def test_a_naive_now_is_refused():
    with pytest.raises(ValueError, match="naive"):
        yesterday_eastern(datetime(2026, 3, 8, 12))


def test_the_test_clock_is_a_fixed_time_with_an_offset_or_a_usage_error(caplog):
    with caplog.at_level("WARNING", logger="nba_predictions.config"):
        fixed = now_eastern({"NBA_NOW": "2026-03-08T04:59:59Z"})
    assert fixed == datetime(2026, 3, 7, 23, 59, 59, tzinfo=EASTERN)
    assert any("NBA_NOW=2026-03-08T04:59:59Z fixes the clock" in m for m in caplog.messages)
    for bad in ("2026-03-08T04:59:59", "yesterday", "2026-13-01T00:00:00Z"):
        with pytest.raises(UsageError, match="NBA_NOW=.* is not a time with its UTC offset"):
            now_eastern({"NBA_NOW": bad})
    assert abs(now_eastern({}) - datetime.now(UTC)) < timedelta(minutes=5)  # unset: the real clock


# (NBA_NOW as UTC, the date the run takes by default): midnight Eastern on both sides of each change
DEFAULT_DATES = [
    ("2026-03-08T04:59:59Z", "2026-03-06"),  # 2026-03-07 23:59:59 EST
    ("2026-03-08T05:00:00Z", "2026-03-07"),  # 2026-03-08 00:00:00 EST, the change's day
    ("2026-03-09T03:59:59Z", "2026-03-07"),  # 2026-03-08 23:59:59 EDT
    ("2026-03-09T04:00:00Z", "2026-03-08"),  # 2026-03-09 00:00:00 EDT
    ("2026-11-02T04:59:59Z", "2026-10-31"),  # 2026-11-01 23:59:59 EST
    ("2026-11-02T05:00:00Z", "2026-11-01"),  # 2026-11-02 00:00:00 EST
]


@pytest.mark.parametrize("zone", FAR_ZONES)
def test_a_run_without_date_on_a_machine_far_from_new_york_takes_yesterday_eastern(zone, tmp_path):
    """A real run (no --date) in a subprocess whose TZ is Tokyo or Honolulu: the date it collects is
    named by the archive's one-line refusal (these dates are past the bundled archive)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL"))}
    env.update(TZ=zone, NBA_ARCHIVE_DIR=str(tmp_path / "archive"), DATABASE_URL=f"sqlite:///{tmp_path / 'r.db'}")
    for now, expected in DEFAULT_DATES:
        command = [sys.executable, str(MAIN), "--source", "archive", "--until-step", "collection", "--output", "c.json"]
        result = subprocess.run(
            command, cwd=tmp_path, env={**env, "NBA_NOW": now}, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 1, result.stderr
        assert f"error: {expected} is outside the offline archive" in result.stderr, (zone, now, result.stderr)
        local = subprocess.run(
            [sys.executable, "-c", "import time; print(time.strftime('%z'))"], env=env, capture_output=True, text=True
        ).stdout.strip()
        assert local == {"Asia/Tokyo": "+0900", "Pacific/Honolulu": "-1000"}[zone]  # the zone really is far


# -- the schedules ----------------------------------------------------------------------------------


def _one_fire_per_local_day(fires: list[datetime], days: list[date], hour: int, minute: int) -> None:
    """Exactly one fire on each of ``days`` (US Eastern), at hour:minute Eastern, and a job fired
    then for yesterday rates the Eastern day before."""
    local = [_eastern_by_hand(fire.astimezone(UTC)) for fire in fires]
    in_days = [t for t in local if t.date() in days]
    assert sorted(t.date() for t in in_days) == days, in_days
    assert all((t.hour, t.minute) == (hour, minute) for t in in_days), in_days
    for fire in fires:
        if _eastern_by_hand(fire.astimezone(UTC)).date() in days:
            assert yesterday_eastern(fire) == _eastern_by_hand(fire.astimezone(UTC)).date() - timedelta(days=1)


def _crontab() -> tuple[str, list[tuple[str, str]]]:
    """deploy/cron's CRON_TZ and its (five-field expression, step) lines."""
    text = (ROOT / "deploy" / "cron" / "nba-predictions.crontab").read_text()
    zone = re.search(r"^CRON_TZ=(\S+)$", text, re.M).group(1)
    jobs = re.findall(r"^(\S+\s+\S+\s+\S+\s+\S+\s+\S+)\s+\S*nba-step (\w+)", text, re.M)
    return zone, [(" ".join(expr.split()), step) for expr, step in jobs]


@pytest.mark.parametrize("change", CHANGES)
def test_the_crontab_fires_each_step_once_a_day_across_the_change(change):
    cronsim = pytest.importorskip("cronsim", reason="cronsim comes with the orchestration extra (Prefect)")
    from zoneinfo import ZoneInfo

    zone, jobs = _crontab()
    assert zone == "America/New_York" and len(jobs) == 4
    days = _days_around(change)
    for expression, _step in jobs:
        minute, hour = (int(f) for f in expression.split()[:2])
        start = datetime.combine(days[0] - timedelta(days=1), datetime.min.time(), ZoneInfo(zone))
        fires = []
        for fire in cronsim.CronSim(expression, start):
            if fire.date() > days[-1]:
                break
            fires.append(fire)
        _one_fire_per_local_day(fires, days, hour, minute)


@pytest.mark.parametrize("change", CHANGES)
def test_the_systemd_timers_fire_once_a_day_across_the_change(change):
    if shutil.which("systemd-analyze") is None:
        service_missing("the systemd timer schedule test", "needs systemd-analyze (Debian's systemd package)")
    days = _days_around(change)
    base = f"{days[0] - timedelta(days=1)} 12:00:00 UTC"
    timers = sorted((ROOT / "deploy" / "systemd").glob("*.timer"))
    assert len(timers) == 5
    for timer in timers:
        expression = re.search(r"^OnCalendar=(.+)$", timer.read_text(), re.M).group(1).strip()
        hour, minute = (int(part) for part in re.search(r" (\d\d):(\d\d):00 ", expression).groups())
        result = subprocess.run(
            ["systemd-analyze", "calendar", f"--base-time={base}", f"--iterations={len(days) + 2}", expression],
            env={**os.environ, "TZ": "UTC", "LC_ALL": "C"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        stamps = re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", result.stdout)
        assert len(stamps) == len(days) + 2, result.stdout
        fires = [datetime.fromisoformat(s).replace(tzinfo=UTC) for s in stamps]
        _one_fire_per_local_day(fires, days, hour, minute)


@pytest.mark.parametrize("change", CHANGES)
def test_the_prefect_schedules_fire_once_a_day_across_the_change(change):
    pytest.importorskip("prefect", reason="needs the orchestration extra")
    from prefect.server.schemas.schedules import CronSchedule

    from nba_predictions.orchestration.deploy import DEFAULT_CRON, DEFAULT_TIMEZONE, WATCH_CRON

    days = _days_around(change)
    start = datetime.combine(days[0], datetime.min.time(), EASTERN)
    end = datetime.combine(days[-1] + timedelta(days=1), datetime.min.time(), EASTERN)
    for cron in (DEFAULT_CRON, WATCH_CRON):
        schedule = CronSchedule(cron=cron, timezone=DEFAULT_TIMEZONE)
        dates = asyncio.run(schedule.get_dates(n=100, start=start, end=end))  # what Prefect's scheduler asks
        fires = [datetime.fromisoformat(str(d)) for d in dates]
        minute, hour = (int(f) for f in cron.split()[:2])
        _one_fire_per_local_day(fires, days, hour, minute)
