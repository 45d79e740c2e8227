"""A throw-away PostgreSQL server that a test may stop and start: its own data folder and port
(``scripts/start_postgres.sh`` with a PGTEST_DIR of its own), so stopping it touches no other
test's server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from nba_predictions.storage.engine import parse_url
from tests.services import record_group

ROOT = Path(__file__).resolve().parents[2]


def bindir() -> Path | None:
    """The newest installed server's binaries (Debian's layout), or those on PATH."""
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "pg_ctl").exists():
            return folder
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


class ThrowawayPostgres:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        env = {**os.environ, "PGTEST_DIR": str(folder)}
        out = subprocess.run(
            ["bash", str(ROOT / "scripts/start_postgres.sh")], env=env, capture_output=True, text=True, timeout=600
        )
        match = re.search(r"DATABASE_TEST_POSTGRES_URL='([^']+)'", out.stdout)
        if out.returncode != 0 or not match:
            raise RuntimeError(f"start_postgres.sh failed: {out.stderr[-2000:]}")
        self.url = match.group(1)
        self.port = parse_url(self.url).port
        self._bin = bindir()
        self._marker: Path | None = None
        # The script's server commits asynchronously (synchronous_commit=off, fine for tests
        # that never stop it): an immediate stop would lose commits a run was told had happened.
        # This one flushes each commit to the WAL, as a production server does.
        self._pg_ctl("-m", "fast", "-w", "stop")
        self.start()

    def _command(self, *args: str) -> list[str]:
        assert self._bin is not None
        command = [str(self._bin / "pg_ctl"), "-D", str(self.folder / "data"), *args]
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(self._command(*args), check=True, capture_output=True, timeout=120)

    def stop_command(self) -> list[str]:
        """Stop it at once (``-m immediate``: every session cut, as a crash or a lost host)."""
        return self._command("-m", "immediate", "-w", "stop")

    def start_command(self) -> list[str]:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.folder / 'sock'} "
            "-c fsync=off -c synchronous_commit=on"
        )
        return self._command("-l", str(self.folder / "server.log"), "-w", "-t", "60", "-o", options, "start")

    def stop(self) -> None:
        subprocess.run(self.stop_command(), check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        subprocess.run(self.start_command(), check=True, capture_output=True, timeout=120)
        self.record()

    def record(self) -> None:
        """Register the running server's process group for CI's exit trap (``NBA_TEST_SERVICES_DIR``),
        so a test run killed half-way leaves no server behind; the test's own ``close`` stops it
        otherwise.  A test that starts the server with :meth:`start_command` calls this after."""
        pid_file = self.folder / "data" / "postmaster.pid"
        if self._marker is not None:
            self._marker.unlink(missing_ok=True)
        pid = int(pid_file.read_text().split()[0])
        self._marker = record_group("faults-postgres", pid, os.getpgid(pid))

    def new_database(self) -> str:
        name = f"faults_{uuid.uuid4().hex[:10]}"
        admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        return parse_url(self.url).set(database=name).render_as_string(hide_password=False)

    def close(self) -> None:
        env = {**os.environ, "PGTEST_DIR": str(self.folder)}
        subprocess.run(
            ["bash", str(ROOT / "scripts/start_postgres.sh"), "stop"], env=env, capture_output=True, timeout=120
        )
        if self._marker is not None:
            self._marker.unlink(missing_ok=True)
