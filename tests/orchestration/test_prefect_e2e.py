"""End to end on a real Prefect 3 server with real process workers and a real S3 server.

The module starts, on free 127.0.0.1 ports: moto's S3 server, the fake stats server, and
`prefect server start` (SQLite, PREFECT_HOME in a temporary folder); registers the deployments
with `python -m nba_predictions.orchestration deploy`; and starts five process workers, each in
its own venv: the four step venvs of `scripts/check_step_envs.py --workers` (the step's
requirements file, S3, Prefect and the package) and the pipeline venv.  Runs are started with
`prefect deployment run … --watch`, the way an operator starts one.

Nothing here asserts speed: every wait is for a state, with generous time-outs, because these
machines are shared and Prefect starts slowly on two cores.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import pytest

prefect = pytest.importorskip("prefect", reason="needs the orchestration extra: pip install -e '.[all,test]'")

from nba_predictions.orchestration.deploy import POOLS  # noqa: E402
from tests.services import free_port, service_missing, spawn, stop_carriers  # noqa: E402

# Under pytest-xdist (`-n auto`, the README's test command) the module runs whole on one worker,
# first, so its tests share one Prefect stack (tests/conftest.py: WHOLE_MODULES).

ROOT = Path(__file__).resolve().parents[2]
STEPS = ("collection", "features", "prediction", "storage")
WATCH_TIMEOUT = 1500  # seconds a run may take before `--watch` gives up: only a hung stack hits it


def _venvs() -> Path:
    folder = os.environ.get("NBA_WORKER_VENVS")
    if folder and all((Path(folder) / name / "bin" / "prefect").exists() for name in (*STEPS, "pipeline")):
        return Path(folder)
    message = (
        "needs the worker venvs: python scripts/check_step_envs.py --venvs DIR --workers, "
        "then NBA_WORKER_VENVS=DIR (.ci/run does both)"
    )
    service_missing("the Prefect end-to-end tests", message)


def _wait_http(url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer in {timeout} s")
        time.sleep(1)


class Stack:
    def __init__(
        self, home: Path, api_url: str, documents: str, bucket: str, database: Path, venvs: Path, s3, stats
    ) -> None:
        self.home, self.api_url, self.documents, self.bucket = home, api_url, documents, bucket
        self.database, self.venvs, self.s3, self.stats = database, venvs, s3, stats
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("NBA_", "DATABASE_URL", "LOG_LEVEL", "PREFECT_", "AWS_"))
        }
        self.env.update(s3.env)
        # The server makes no flow run of the deployments' schedules (deploy registers the real
        # ones: the daily job at 06:00 and the watch at 12:00 New York time): a test run spanning
        # either hour would otherwise start a run nobody asked for beside the tests' own.
        self.env.update(
            PREFECT_HOME=str(home / "prefect-home"),
            PREFECT_API_URL=api_url,
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
            PREFECT_CLI_WRAP_LINES="false",
            COLUMNS="250",
        )

    def prefect(self, *args: str, timeout: float = WATCH_TIMEOUT + 120) -> subprocess.CompletedProcess:
        """The `prefect` command of the test's environment (the operator's machine)."""
        command = [str(Path(sys.executable).parent / "prefect"), *args]
        return subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=timeout)

    def run_deployment(self, name: str, **params: str) -> subprocess.CompletedProcess:
        args = ["deployment", "run", name, "--watch", "--watch-timeout", str(WATCH_TIMEOUT)]
        for key, value in params.items():
            args += ["--param", f"{key}={value}"]
        return self.prefect(*args)

    @contextlib.contextmanager
    def client(self):
        """A client of the stack's server that also reads the workers' stored results."""
        from prefect.client.orchestration import get_client
        from prefect.settings import PREFECT_API_URL, PREFECT_LOCAL_STORAGE_PATH, temporary_settings

        storage = Path(self.env["PREFECT_HOME"]) / "storage"
        with (
            temporary_settings({PREFECT_API_URL: self.api_url, PREFECT_LOCAL_STORAGE_PATH: storage}),
            get_client(sync_client=True) as client,
        ):
            yield client

    def flow_runs(self, deployment: str) -> list:
        from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

        flow_name, name = deployment.split("/")
        with self.client() as client:
            ids = [
                d.id
                for d in client.read_deployments(
                    deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[name]))
                )
                if client.read_flow(d.flow_id).name == flow_name
            ]
            from prefect.client.schemas.filters import DeploymentFilterId

            return client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=ids)))

    def last_run(self, deployment: str):
        return max(self.flow_runs(deployment), key=lambda r: r.created)

    def logs(self, flow_run_id) -> str:
        from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

        with self.client() as client:
            logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
        return "\n".join(log.message for log in logs)

    def result(self, flow_run) -> dict:
        with self.client() as client:
            state = client.read_flow_run(flow_run.id).state
            return state.result(raise_on_failure=False)

    def stored(self, day: str) -> list[dict]:
        """The games stored for ``day``, read through the CLI (`show --json`)."""
        env = {**self.env, "DATABASE_URL": f"sqlite:///{self.database}"}
        result = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), "show", "--date", day, "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)


@pytest.fixture(scope="module")
def stack(tmp_path_factory, s3_server):
    from nba_predictions.sources.archive import ArchiveSource
    from tests.fakeserver.server import FakeStatsServer

    venvs = _venvs()
    home = tmp_path_factory.mktemp("prefect")
    bucket = s3_server.new_bucket("prefect")
    database = home / "db" / "ratings.db"
    database.parent.mkdir()
    started = time.monotonic()
    services = []
    stats = FakeStatsServer(ArchiveSource()).start()
    try:
        port = free_port()
        api_url = f"http://127.0.0.1:{port}/api"
        stack = Stack(home, api_url, f"s3://{bucket}/nba", bucket, database, venvs, s3_server, stats)
        services.append(
            spawn(
                "prefect-server",
                [
                    str(Path(sys.executable).parent / "prefect"),
                    "server",
                    "start",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--no-ui",
                ],
                home / "server.log",
                ready=r"Uvicorn running|Application startup complete|"
                r"dashboard|Prefect server",
                env=stack.env,
            )
        )
        _wait_http(f"{api_url}/health")
        deployed = subprocess.run(
            [sys.executable, "-m", "nba_predictions.orchestration", "deploy", "--documents", stack.documents],
            env=stack.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert deployed.returncode == 0, deployed.stderr
        # The workers ask the server for scheduled runs every second instead of Prefect's default 10 s
        # (PREFECT_WORKER_QUERY_SECONDS): each flow run here waits for a worker's poll, and the
        # module's four deployment runs (13 flow runs) spent minutes waiting for them.  A shorter interval
        # changes only how soon a run is picked up, never whether.
        worker_env = {
            **stack.env,
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "NBA_STEP_RETRIES": "2",
            "NBA_STEP_RETRY_DELAY": "1",
            "NBA_API_STATS_URL": stats.stats_url,
            "NBA_API_CDN_URL": stats.cdn_url,
            "NBA_API_RETRIES": "0",
            "NBA_API_MIN_INTERVAL": "0",
        }
        for pool in POOLS:
            name = pool.name.removeprefix("nba-")
            env = {**worker_env, "NBA_API_CACHE_DIR": str(home / f"cache-{name}")}
            if name in ("storage", "pipeline"):
                env["DATABASE_URL"] = f"sqlite:///{database}"
            services.append(
                spawn(
                    f"prefect-worker-{name}",
                    [
                        str(venvs / name / "bin" / "prefect"),
                        "worker",
                        "start",
                        "--pool",
                        pool.name,
                        "--type",
                        "process",
                    ],
                    home / f"worker-{name}.log",
                    ready=r"Worker '.*' started",
                    env=env,
                    cwd=home,
                )
            )
        print(f"\nprefect stack ready in {time.monotonic() - started:.0f} s", file=sys.stderr)
        yield stack
    finally:
        for service in reversed(services):
            service.stop()
        stop_carriers(f"PREFECT_HOME={home / 'prefect-home'}")  # a flow run the workers left
        stats.stop()


def test_pools_and_the_daily_schedule(stack):
    with urllib.request.urlopen(f"{stack.api_url}/admin/settings", timeout=60) as answer:
        assert json.load(answer)["server"]["services"]["scheduler"]["enabled"] is False  # runs: the tests'
    with stack.client() as client:
        pools = {p.name: p for p in client.read_work_pools()}
        daily = client.read_deployment_by_name("nba-rate-date/daily")
    assert {p.name: pools[p.name].concurrency_limit for p in POOLS} == {
        "nba-collection": 1,
        "nba-features": None,
        "nba-prediction": None,
        "nba-storage": None,
        "nba-pipeline": None,
    }
    assert all(pools[p.name].type == "process" for p in POOLS)
    [schedule] = daily.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone, schedule.active) == (
        "0 6 * * *",
        "America/New_York",
        True,
    )
    assert daily.parameters == {"documents": stack.documents}
    assert daily.work_pool_name == "nba-pipeline"


def test_a_daily_run_rates_the_date_with_each_step_on_its_own_worker(stack):
    """Started from the CLI; the stats API answers the scoreboard with a 500 once: Prefect retries
    the collection step (a RetryableSourceError), and the run completes."""
    stack.stats.inject("scoreboardv3", "500", times=1, GameDate="2024-01-15")
    clock = time.monotonic()
    result = stack.run_deployment("nba-rate-date/daily", day="2024-01-15", source="nba_api")
    print(f"\ndaily run for 2024-01-15: {time.monotonic() - clock:.0f} s", file=sys.stderr)
    assert result.returncode == 0, result.stdout + result.stderr
    parent = stack.last_run("nba-rate-date/daily")
    summary = stack.result(parent)
    assert {k: summary[k] for k in ("status", "target_date", "source", "steps", "found", "saved", "failed")} == {
        "status": "ok",
        "target_date": "2024-01-15",
        "source": "nba_api",
        "steps": list(STEPS),
        "found": 11,
        "saved": 11,
        "failed": [],
    }
    pids = set()
    for step in STEPS:
        [child] = stack.flow_runs(f"nba-{step}/step")
        assert child.state.is_completed() and child.work_pool_name == f"nba-{step}"
        assert child.parent_task_run_id is not None  # a subflow of the daily run
        pids.add(child.infrastructure_pid)
        assert f"runs in {stack.venvs / step}" in stack.logs(child.id)  # the step's own venv
    assert len(pids) == 4
    with stack.client() as client:
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

        [collection] = stack.flow_runs("nba-collection/step")
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[collection.id])))
    assert [t.run_count for t in tasks] == [2]  # failed once on the 500, retried, completed
    assert stack.stats.requests_for("scoreboardv3", GameDate="2024-01-15") == 2
    run = json.loads(stack.s3.get(stack.bucket, "nba/2024-01-15/latest.json"))["run"]
    folder = f"nba/2024-01-15/runs/{run}"
    assert stack.s3.keys(stack.bucket) == sorted(
        [f"{folder}/{name}" for name in ("collected_games.json", "engineered_features.json", "predictions.json")]
        + [f"{folder}/summaries/{step}.json" for step in STEPS]
        + ["nba/2024-01-15/latest.json"]
    )
    stored = stack.stored("2024-01-15")
    predictions = json.loads(stack.s3.get(stack.bucket, f"{folder}/predictions.json"))["predictions"]
    assert sorted(g["game_id"] for g in stored) == sorted(p["game_id"] for p in predictions)
    assert len(stored) == 11


def test_a_run_whose_storage_failed_resumes_from_its_stored_predictions(stack):
    day = "2024-01-16"
    # The database is unreachable: its file's place is taken by a folder.
    away = stack.database.with_name("away")
    away.mkdir()
    for path in stack.database.parent.glob("ratings.db*"):
        path.rename(away / path.name)
    stack.database.mkdir()
    try:
        failed = stack.run_deployment("nba-rate-date/daily", day=day)
    finally:
        stack.database.rmdir()
        for path in away.iterdir():
            path.rename(stack.database.parent / path.name)
    assert failed.returncode != 0
    parent = stack.last_run("nba-rate-date/daily")
    assert parent.state.is_failed()
    run = json.loads(stack.s3.get(stack.bucket, f"nba/{day}/latest.json"))["run"]
    assert f"--param day={day} --param from_step=storage --param run={run}" in parent.state.message
    assert f"nba/{day}/runs/{run}/predictions.json" in parent.state.message
    assert stack.result(parent)["status"] == "failed"
    predictions = json.loads(stack.s3.get(stack.bucket, f"nba/{day}/runs/{run}/predictions.json"))["predictions"]
    assert stack.stored(day) == []
    collections_before = len(stack.flow_runs("nba-collection/step"))

    resumed = stack.run_deployment("nba-rate-date/daily", day=day, from_step="storage")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    summary = stack.result(stack.last_run("nba-rate-date/daily"))
    assert (summary["status"], summary["steps"], summary["saved"]) == ("ok", ["storage"], len(predictions))
    assert len(stack.flow_runs("nba-collection/step")) == collections_before  # nothing recollected
    stored = {g["game_id"]: g["rating"] for g in stack.stored(day)}
    assert stored == {p["game_id"]: p["rating"] for p in predictions}


def test_the_backfill_deployment_rates_a_range(stack):
    result = stack.run_deployment("nba-backfill/backfill", start="2024-01-17", end="2024-01-18")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = stack.result(stack.last_run("nba-backfill/backfill"))
    assert (summary["status"], [r["target_date"] for r in summary["runs"]]) == ("ok", ["2024-01-17", "2024-01-18"])
    for run in summary["runs"]:
        assert len(stack.stored(run["target_date"])) == run["saved"] > 0
    assert date.fromisoformat(summary["first"]) == date(2024, 1, 17)


def test_two_daily_runs_of_one_date_at_once_keep_both_runs_documents(stack):
    """Two operators start the daily run of one date at the same moment: each run writes its own
    folder (nothing of one replaces the other's), the pointer names one of them, and the
    nba-collection pool (limit 1) ran their collection steps one after the other."""
    day = "2024-01-19"
    command = [str(Path(sys.executable).parent / "prefect"), "deployment", "run", "nba-rate-date/daily"]
    command += ["--watch", "--watch-timeout", str(WATCH_TIMEOUT), "--param", f"day={day}"]
    processes = [
        subprocess.Popen(command, env=stack.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for process in processes:
        out, err = process.communicate(timeout=WATCH_TIMEOUT + 120)
        assert process.returncode == 0, out + err
    prefix = f"nba/{day}/runs/"
    runs = sorted({key[len(prefix) :].split("/")[0] for key in stack.s3.keys(stack.bucket) if key.startswith(prefix)})
    assert len(runs) == 2
    for run in runs:
        for name in ("collected_games.json", "engineered_features.json", "predictions.json"):
            document = json.loads(stack.s3.get(stack.bucket, f"{prefix}{run}/{name}"))
            assert document["metadata"]["target_date"] == day
        storage = json.loads(stack.s3.get(stack.bucket, f"{prefix}{run}/summaries/storage.json"))
        assert storage["status"] == "ok" and storage["found"] > 0
    pointer = json.loads(stack.s3.get(stack.bucket, f"nba/{day}/latest.json"))
    assert pointer["run"] in runs and pointer["step"] == "storage"
    collections = [r for r in stack.flow_runs("nba-collection/step") if str(r.parameters.get("day")) == day]
    assert sorted(r.parameters["run"] for r in collections) == runs
    first, second = sorted(collections, key=lambda r: r.start_time)
    assert first.end_time <= second.start_time  # the pool's limit of one, across the two runs
