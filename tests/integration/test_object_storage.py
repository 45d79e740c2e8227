"""Documents at URLs: the spec's chain through a real S3 server (moto's standalone server on
127.0.0.1), memory:// and file:// URLs, all-or-nothing writes, errors, and credentials kept out
of every message and log."""

from __future__ import annotations

import contextlib
import json
import socket
import threading

import pytest

from nba_predictions.documents import io as artifacts
from nba_predictions.documents.models import CollectedGames
from nba_predictions.errors import ArtifactError

DAY = "2024-01-15"


def _collected() -> CollectedGames:
    from tests.unit.test_schemas import _collected as raw

    return CollectedGames.model_validate(raw(source="archive"))


def test_the_spec_chain_through_s3_equals_the_local_run(run_cli, s3_server, tmp_path):
    bucket = s3_server.new_bucket()
    root = f"s3://{bucket}/{DAY}"
    env = s3_server.env
    commands = [
        ("--date", DAY, "--until-step", "collection", "--output", f"{root}/collected.json"),
        ("--from-step", "features", "--input", f"{root}/collected.json", "--output", f"{root}/features.json"),
        ("--from-step", "prediction", "--input", f"{root}/features.json", "--output", f"{root}/predictions.json"),
        ("--from-step", "storage", "--input", f"{root}/predictions.json"),
    ]
    for args in commands:
        result = run_cli(*args, env=env)
        assert result.returncode == 0, f"{args}: {result.stderr}"
    assert s3_server.keys(bucket) == [f"{DAY}/collected.json", f"{DAY}/features.json", f"{DAY}/predictions.json"]
    assert "saved 11, skipped 0, failed 0" in result.stderr
    local = run_cli("--date", DAY, "--until-step", "prediction", "--output", "local.json")
    assert local.returncode == 0, local.stderr
    remote = json.loads(s3_server.get(bucket, f"{DAY}/predictions.json"))
    here = json.loads((tmp_path / "local.json").read_text())
    assert remote["metadata"]["input_source"] == "features.json"
    assert [(p["game_id"], p["features"], p["rating"]) for p in remote["predictions"]] == [
        (p["game_id"], p["features"], p["rating"]) for p in here["predictions"]
    ]


def test_a_missing_object_names_the_command_that_makes_it(run_cli, s3_server):
    bucket = s3_server.new_bucket()
    result = run_cli(
        "--from-step", "prediction", "--input", f"s3://{bucket}/nope.json", "--output", "p.json", env=s3_server.env
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"nba-predictions: error: s3://{bucket}/nope.json does not exist; make an engineered_features.json with: "
        "python main.py --from-step features --input collected_games.json --output engineered_features.json"
    )


def test_a_missing_bucket_fails_before_any_work(run_cli, s3_server):
    result = run_cli(
        "--date", DAY, "--until-step", "collection", "--output", "s3://no-such-bucket-here/c.json", env=s3_server.env
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "nba-predictions: error: cannot write s3://no-such-bucket-here/c.json: bucket 'no-such-bucket-here' does "
        "not exist (or these credentials cannot see it); choose a writable --output path or URL"
    ]


def test_a_folder_url_is_refused(run_cli, s3_server):
    bucket = s3_server.new_bucket()
    result = run_cli("--date", DAY, "--until-step", "collection", "--output", f"s3://{bucket}/docs/", env=s3_server.env)
    assert result.returncode == 1
    assert "the URL names a folder; end it with a file name, e.g. predictions.json" in result.stderr
    assert s3_server.keys(bucket) == []


def test_wrong_credentials_are_one_line_and_never_shown(run_cli, s3_server):
    """moto checks nothing by default; a server that refuses gives the same path.  Here the
    endpoint answers 403 to every request (a closed bucket policy) via a refusing proxy."""
    bucket = s3_server.new_bucket()
    secret = "wrong-secret-" + "x" * 24
    token = "session-token-" + "y" * 24
    with _Proxy(s3_server.endpoint_url, refuse=True) as proxy:
        env = {
            **s3_server.env,
            "AWS_ENDPOINT_URL": proxy.url,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_SESSION_TOKEN": token,
        }
        result = run_cli(
            "--date",
            DAY,
            "--until-step",
            "collection",
            "--output",
            f"s3://{bucket}/c.json",
            "--log-level",
            "DEBUG",
            env=env,
        )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"nba-predictions: error: cannot write s3://{bucket}/c.json: access denied; "
        "check the credentials in the environment"
    ), last
    assert secret not in result.stderr and token not in result.stderr
    assert s3_server.env["AWS_ACCESS_KEY_ID"] not in result.stderr


def test_debug_logs_of_a_successful_run_carry_no_credentials(run_cli, s3_server):
    bucket = s3_server.new_bucket()
    token = "session-token-" + "z" * 24
    result = run_cli(
        "--date",
        DAY,
        "--until-step",
        "collection",
        "--output",
        f"s3://{bucket}/c.json",
        "--log-level",
        "DEBUG",
        env={**s3_server.env, "AWS_SESSION_TOKEN": token},
    )
    assert result.returncode == 0, result.stderr
    assert f"wrote s3://{bucket}/c.json" in result.stderr
    for value in (token, s3_server.env["AWS_SECRET_ACCESS_KEY"], s3_server.env["AWS_ACCESS_KEY_ID"]):
        assert value not in result.stderr


def test_an_interrupted_upload_leaves_the_previous_object_whole(s3_env, monkeypatch):
    """Every PUT through the proxy is cut after half its body: the write fails, and the object
    is still the previous version (never half a document), then a clean write replaces it."""
    bucket = s3_env.new_bucket()
    url = f"s3://{bucket}/2024-01-15/collected_games.json"
    old = _collected()
    artifacts.write_document(old, url)
    new = _collected()
    new.games = new.games[:1]
    new.metadata.total_games = 1
    with _Proxy(s3_env.endpoint_url, cut_puts=True) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
        with pytest.raises(ArtifactError, match=f"cannot write {url}: "):
            artifacts.write_document(new, url)
    assert proxy.cut >= 1, "the proxy saw no upload to cut"
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_env.endpoint_url)
    assert artifacts.read_document(url, "collection") == old
    artifacts.write_document(new, url)
    assert artifacts.read_document(url, "collection") == new
    assert s3_env.keys(bucket) == ["2024-01-15/collected_games.json"]  # no temporary objects


def test_memory_urls_round_trip_and_validate(monkeypatch):
    import fsspec

    doc = _collected()
    artifacts.write_document(doc, "memory://nba/2024-01-15/collected_games.json")
    assert artifacts.read_document("memory://nba/2024-01-15/collected_games.json", "collection") == doc
    with pytest.raises(ArtifactError, match="is a collected_games.json document"):
        artifacts.read_document("memory://nba/2024-01-15/collected_games.json", "features")
    broken = _collected()
    broken.metadata.total_games = 9
    with pytest.raises(ArtifactError, match="total_games"):
        artifacts.write_document(broken, "memory://nba/2024-01-15/other.json")
    assert not fsspec.filesystem("memory").exists("/nba/2024-01-15/other.json")


def test_file_urls_are_local_files(run_cli, tmp_path):
    target = tmp_path / "sub folder" / "c.json"
    result = run_cli("--date", DAY, "--until-step", "collection", "--output", target.as_uri())
    assert result.returncode == 0, result.stderr
    assert json.loads(target.read_text())["metadata"]["total_games"] == 11
    features = run_cli("--from-step", "features", "--input", target.as_uri(), "--output", "f.json")
    assert features.returncode == 0, features.stderr
    assert json.loads((tmp_path / "f.json").read_text())["metadata"]["input_source"] == "c.json"


def test_an_unsupported_scheme_is_a_one_line_error(run_cli):
    result = run_cli("--date", DAY, "--until-step", "collection", "--output", "gopher://host/c.json")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "nba-predictions: error: cannot write gopher://host/c.json: unsupported URL scheme gopher://; use a local "
        "path, file://, memory://, s3://, s3a://; choose a writable --output path or URL"
    ]


def test_same_url_for_input_and_output_is_a_usage_error(run_cli):
    result = run_cli("--from-step", "features", "--input", "s3://b/x/../c.json", "--output", "s3://b/c.json")
    assert result.returncode == 2
    assert "--input and --output are the same file" in result.stderr


def test_plain_paths_never_import_fsspec_or_s3fs(tmp_path):
    import subprocess
    import sys

    probe = (
        "import sys\nfrom nba_predictions.cli import main\n"
        f"rc = main(['--date', '{DAY}', '--until-step', 'collection', '--output', 'c.json', '--quiet'])\n"
        "print(rc, sorted({m.split('.')[0] for m in sys.modules} & {'fsspec', 's3fs', 'botocore', 'aiobotocore'}))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.stdout.strip().splitlines()[-1] == "0 []", result.stderr


class _Proxy:
    """A TCP proxy on 127.0.0.1 in front of the S3 server, deciding by request: ``refuse``
    answers every request 403 AccessDenied; ``cut_puts`` forwards an object PUT's headers and
    half its body, then drops both connections."""

    def __init__(self, upstream: str, refuse: bool = False, cut_puts: bool = False) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.refuse, self.cut_puts = refuse, cut_puts
        self.cut = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self._stop = threading.Event()

    def __enter__(self) -> _Proxy:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        client.settimeout(60)
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(65536)
                if not chunk:
                    return
                head += chunk
            header, _, body = head.partition(b"\r\n\r\n")
            request_line = header.split(b"\r\n", 1)[0].decode()
            if self.refuse:
                payload = (
                    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
                    b"<Message>Access Denied</Message></Error>"
                )
                client.sendall(
                    b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: "
                    + str(len(payload)).encode()
                    + b"\r\nConnection: close\r\n\r\n"
                    + payload
                )
                return
            upstream = socket.create_connection(self.upstream, timeout=60)
            method, path = request_line.split(" ")[:2]
            is_object_put = method == "PUT" and path.split("?")[0].strip("/").count("/") >= 1
            if self.cut_puts and is_object_put:
                lines = header.split(b"\r\n")
                length = next(
                    (int(line.split(b":", 1)[1]) for line in lines if line.lower().startswith(b"content-length:")), 0
                )
                if any(line.lower().startswith(b"expect: 100-continue") for line in lines):
                    client.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")  # let the client send its body
                    header = b"\r\n".join(line for line in lines if not line.lower().startswith(b"expect:"))
                while len(body) < length // 2:
                    more = client.recv(65536)
                    if not more:
                        break
                    body += more
                upstream.sendall(header + b"\r\n\r\n" + body[: max(1, length // 2)])
                self.cut += 1
                upstream.close()
                return
            upstream.sendall(head)
            self._pump(client, upstream)
        except OSError:
            return
        finally:
            client.close()

    @staticmethod
    def _pump(client: socket.socket, upstream: socket.socket) -> None:
        """Relay both ways until either side closes (one request per connection is enough)."""

        def relay(src: socket.socket, dst: socket.socket) -> None:
            try:
                while chunk := src.recv(65536):
                    dst.sendall(chunk)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    with contextlib.suppress(OSError):
                        s.shutdown(socket.SHUT_RDWR)

        back = threading.Thread(target=relay, args=(upstream, client), daemon=True)
        back.start()
        relay(client, upstream)
        back.join(timeout=60)
        upstream.close()
