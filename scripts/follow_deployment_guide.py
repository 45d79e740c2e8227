#!/usr/bin/env python3
"""Follow docs/DEPLOYMENT.md word for word on this machine, against local stand-ins (CI).

Every ```bash block of the guide runs, in order, in one bash shell (`set -euo pipefail`), except

* the block after `<!-- guide:settings -->`: replaced by the stand-ins' values below (the guide's
  block must export exactly the same variables, so the two cannot drift apart);
* blocks after `<!-- guide:skip REASON -->`: printed with their reason, not run.

Stand-ins: moto's S3 server on a free 127.0.0.1 port (and a fresh bucket) for S3, a fresh
database on the PostgreSQL server of DATABASE_TEST_POSTGRES_URL (scripts/start_postgres.sh) for
DATABASE_URL, a free loopback port and a temporary PREFECT_HOME for the Prefect server the guide
starts, a temporary folder for NBA_HOME and the logs, and this checkout as NBA_REPO (its
committed HEAD is what `git clone` gets).  Afterwards the guide's 11 games of 2024-01-15 must be
in the database, and the systemd units in deploy/systemd/ must pass `systemd-analyze verify`
with their /opt/nba-predictions paths pointed at the guide's NBA_HOME (so the executables they
name exist).  Every process the guide started is stopped at the end whatever the outcome: the
process groups it started (the guide's shell, with the Prefect server and the workers), then any
process left whose environment carries the guide's NBA_HOME (a flow run a worker started in a
session of its own).  Needs the package registry (the guide installs venvs).

    python scripts/follow_deployment_guide.py     # DATABASE_TEST_POSTGRES_URL set; moto and boto3 importable

It needs only moto's S3 server (moto[s3], flask, flask-cors) and boto3 besides the standard
library (CI runs it from a small tools venv, beside the tests).  The guide's shell gets
PREFECT_WORKER_QUERY_SECONDS=1 (its workers poll for runs every second, not every 10 s) and
PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED=false (its throw-away server turns the deployments'
daily schedules into no flow runs: a CI run that spans 06:00 or 12:00 New York time must not
start the real daily job or the evening watch, which would poll the NBA from CI), and reports when
each block started.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "DEPLOYMENT.md"
MARKER = re.compile(r"<!--\s*guide:(settings|skip)\s*(.*?)\s*-->\s*\n```bash\n(.*?)```", re.S)
BLOCK = re.compile(r"```bash\n(.*?)```", re.S)
GUIDE_TIMEOUT_SECONDS = 2400  # the whole guide: venvs, a Prefect server, three flow runs


def say(message: str) -> None:
    print(f"follow_deployment_guide: {message}", file=sys.stderr, flush=True)


def blocks(text: str) -> list[tuple[str, str, str]]:
    """``(kind, reason, body)`` for every bash block: kind is run, settings or skip."""
    marked = {m.start(3): (m.group(1), m.group(2)) for m in MARKER.finditer(text)}
    out = []
    for block in BLOCK.finditer(text):
        kind, reason = marked.get(block.start(1), ("run", ""))
        out.append((kind, reason, block.group(1)))
    return out


def exported_names(body: str) -> list[str]:
    return re.findall(r"^export ([A-Z_][A-Z0-9_]*)=", body, re.M)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_moto(log: Path) -> tuple[subprocess.Popen, str]:
    handle = open(log, "wb")  # noqa: SIM115 - the child writes it
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"],
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    handle.close()
    record(process)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        found = re.search(r"Running on (http://127\.0\.0\.1:\d+)", log.read_text(errors="replace"))
        if found:
            return process, found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise SystemExit(f"moto's S3 server did not start:\n{log.read_text(errors='replace')[-2000:]}")


def record(process: subprocess.Popen) -> None:
    """Let CI's exit trap stop the process group should this script be killed."""
    folder = os.environ.get("NBA_TEST_SERVICES_DIR")
    if folder:
        Path(folder, f"guide-{process.pid}.pgid").write_text(str(process.pid))


def stop(process: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 30)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            # The group may outlive its leader (background jobs of the guide): check it is gone.
            os.killpg(process.pid, 0)
            time.sleep(2)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def carries(pid: int, marker: bytes) -> bool:
    """Whether process ``pid``'s environment holds the entry ``marker`` (``NAME=value``)."""
    try:
        return marker in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:  # gone, or not ours to read
        return False


def stop_strays(marker: str, grace_seconds: float = 30) -> list[str]:
    """Stop every process whose environment carries ``marker``; returns their command lines.

    The backstop after the process groups: Prefect's process worker starts each flow run in a
    session of its own, so a flow run outlives the worker's group.  Every process the guide
    started inherits its NBA_HOME, a folder unique to this run, so nothing else matches.  SIGTERM,
    then SIGKILL for what is left after ``grace_seconds``; it returns once every process it
    signalled has ended (a zombie its parent has not reaped yet has), or after a last 30 s should
    one not end even of SIGKILL.  Linux (/proc) only: elsewhere nothing is found.
    """
    entry = marker.encode()

    def found() -> list[int]:
        pids = (int(p.name) for p in Path("/proc").glob("[0-9]*") if p.name.isdigit())
        return [pid for pid in pids if pid != os.getpid() and carries(pid, entry)]

    stopped: dict[int, str] = {}

    def left() -> list[int]:  # signalled and not ended yet, or carrying the marker
        return sorted({pid for pid in stopped if running(pid)} | set(found()))

    for sig, wait in ((signal.SIGTERM, grace_seconds), (signal.SIGKILL, 30.0)):
        for pid in left():
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                os.kill(pid, sig)
            except OSError:  # ended meanwhile
                continue
            stopped.setdefault(pid, f"{pid}: {command.strip()}")
        deadline = time.monotonic() + wait
        while left() and time.monotonic() < deadline:
            time.sleep(0.2)
    return list(stopped.values())


def running(pid: int) -> bool:
    """Whether ``pid`` exists and has not ended: a process that is exiting has let go of its
    environment before it shows as a zombie (Z) or dead (X), so "carries nothing" is not enough."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def psql_url(database_url: str) -> str:
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


def make_database(admin_url: str, name: str) -> str:
    subprocess.run(
        ["psql", psql_url(admin_url), "-v", "ON_ERROR_STOP=1", "-qc", f'CREATE DATABASE "{name}"'], check=True
    )
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(admin_url: str, name: str) -> None:
    subprocess.run(["psql", psql_url(admin_url), "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=False)


def verify_units(nba_home: Path, etc: Path) -> None:
    """systemd-analyze verify on deploy/systemd/, paths pointed at the guide's install."""
    if shutil.which("systemd-analyze") is None:
        raise SystemExit("systemd-analyze is not installed (apt-get install systemd)")
    units = Path(tempfile.mkdtemp(prefix="nba-units-"))
    for unit in (ROOT / "deploy" / "systemd").iterdir():
        text = unit.read_text().replace("/opt/nba-predictions", str(nba_home)).replace("/etc/nba-predictions", str(etc))
        (units / unit.name).write_text(text)
    etc.mkdir(parents=True, exist_ok=True)
    for name in ("nba.env", "prefect.env"):
        (etc / name).touch()
    names = sorted(p.name for p in units.iterdir())
    instances = [n for n in names if "@." not in n]
    for template in (n for n in names if "@." in n):
        pools = ("collection", "features", "prediction", "storage")
        if "worker" in template:
            pools += ("pipeline",)
        instances += [template.replace("@.", f"@{pool}.") for pool in pools]
    result = subprocess.run(["systemd-analyze", "verify", *instances], cwd=units, capture_output=True, text=True)
    problems = (result.stdout + result.stderr).strip()
    if result.returncode != 0 or problems:
        raise SystemExit(f"systemd-analyze verify {' '.join(instances)}:\n{problems}")
    say(f"systemd-analyze verify: {len(instances)} units clean ({', '.join(instances)})")
    shutil.rmtree(units)


def guide_env(work: Path) -> dict[str, str]:
    """The environment of the guide's shell: a fresh machine's, with three Prefect settings.

    None of this script's venvs on its PATH and none of its NBA_/DATABASE_/PREFECT_/AWS_ settings
    (the guide exports its own).  The workers the guide starts ask for scheduled runs every second
    instead of every 10 s (Prefect's default): the guide's three deployment runs are eight flow
    runs, each of which waited for a worker's poll; it changes how soon a run starts, never
    whether.  Its server schedules nothing: the deployments keep their real schedules (the guide
    registers them as production does), but no flow run is made of them here, so a CI run at
    06:00 or 12:00 New York time does not start the daily job or the evening watch.
    """
    ours = {str(Path(sys.prefix)), os.environ.get("VIRTUAL_ENV") or str(Path(sys.prefix))}
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if not any(p == f"{v}/bin" for v in ours))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NBA_", "DATABASE_", "PREFECT_", "AWS_", "VIRTUAL_ENV", "PYTHON"))
    }
    env.update(
        PATH=path,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
        PREFECT_WORKER_QUERY_SECONDS="1",
        AWS_CONFIG_FILE=str(work / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(work / "aws-credentials"),
    )
    return env


def main() -> int:
    # A SIGTERM (CI's exit trap, when CI ends first) unwinds through the finally below, which
    # stops what the guide started and drops its database.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    admin_url = os.environ.get("DATABASE_TEST_POSTGRES_URL")
    if not admin_url:
        raise SystemExit('set DATABASE_TEST_POSTGRES_URL (eval "$(scripts/start_postgres.sh)")')
    text = GUIDE.read_text(encoding="utf-8")
    parsed = blocks(text)
    settings = [body for kind, _, body in parsed if kind == "settings"]
    if len(settings) != 1:
        raise SystemExit(f"docs/DEPLOYMENT.md needs exactly one guide:settings block, found {len(settings)}")
    work = Path(tempfile.mkdtemp(prefix="nba-guide-"))
    say(f"working in {work}")
    moto, s3_url = start_moto(work / "moto.log")
    database = f"nba_guide_{os.getpid()}"
    process = None
    nba_home = work / "opt" / "nba-predictions"
    started = time.monotonic()
    try:
        import boto3

        bucket = "nba-guide-documents"
        secret = "guide-secret-" + os.urandom(8).hex()
        boto3.client(
            "s3",
            endpoint_url=s3_url,
            region_name="us-east-1",
            aws_access_key_id="guide-key",
            aws_secret_access_key=secret,
        ).create_bucket(Bucket=bucket)
        port = free_port()
        stand_ins = {
            "NBA_REPO": str(ROOT),
            "NBA_HOME": str(nba_home),
            "NBA_DOCUMENTS": f"s3://{bucket}/daily",
            "NBA_LOG_DIR": str(work / "log"),
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "guide-key",
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_ENDPOINT_URL": s3_url,
            "DATABASE_URL": make_database(admin_url, database),
            "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
            "PREFECT_HOME": str(work / "prefect"),
            "PREFECT_SERVER_API_HOST": "127.0.0.1",
            "PREFECT_SERVER_API_PORT": str(port),
        }
        if sorted(exported_names(settings[0])) != sorted(stand_ins):
            raise SystemExit(
                f"the guide's settings export {sorted(exported_names(settings[0]))}; this script "
                f"stands in for {sorted(stand_ins)}: keep them equal"
            )
        script = ["set -euo pipefail", f"cd {shlex_quote(str(work))}"]
        script += [f"export {name}={shlex_quote(value)}" for name, value in stand_ins.items()]
        for number, (kind, reason, body) in enumerate(parsed, start=1):
            first = body.strip().splitlines()[0]
            if kind == "skip":
                say(f"block {number}: not run ({reason}): {first}")
                continue
            if kind == "settings":
                continue
            script.append(f'echo "guide: $SECONDS s: "{shlex_quote(f"block {number}: {first[:100]}")} >&2')
            script.append(body)
        (work / "guide.sh").write_text("\n".join(script) + "\n")
        env = guide_env(work)
        log = work / "guide.log"
        with open(log, "wb") as handle:
            process = subprocess.Popen(
                ["bash", str(work / "guide.sh")],
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            record(process)
            try:
                code = process.wait(timeout=GUIDE_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                code = None
        output = log.read_text(errors="replace")
        if code != 0:
            state = "timed out" if code is None else f"failed with exit code {code}"
            raise SystemExit(f"following docs/DEPLOYMENT.md {state}; the end of its output:\n{output[-6000:]}")
        for line in output.splitlines():  # when each block started (seconds into the guide)
            if line.startswith("guide: "):
                say(line)
        say(f"every block ran ({time.monotonic() - started:.0f} s)")
        shown = subprocess.run(
            [
                str(nba_home / "venv-storage" / "bin" / "python"),  # it reads the database
                str(nba_home / "main.py"),
                "show",
                "--date",
                "2024-01-15",
                "--json",
            ],
            env={**env, "DATABASE_URL": stand_ins["DATABASE_URL"]},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        count = len(json.loads(shown))
        if count != 11:
            raise SystemExit(f"after the guide the database holds {count} games of 2024-01-15, expected 11")
        if secret in output:
            raise SystemExit("the S3 secret appeared in the guide's output")
        say("the database holds the 11 games of 2024-01-15; no credential in the output")
        verify_units(nba_home, work / "etc")
    finally:
        if process is not None:
            stop(process)
        for stray in stop_strays(f"NBA_HOME={nba_home}"):
            say(f"stopped a process the guide left running: {stray}")
        stop(moto)
        drop_database(admin_url, database)
    say(f"followed docs/DEPLOYMENT.md in {time.monotonic() - started:.0f} s")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def shlex_quote(value: str) -> str:
    import shlex

    return shlex.quote(value)


if __name__ == "__main__":
    sys.exit(main())
