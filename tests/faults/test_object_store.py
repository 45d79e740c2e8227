"""An S3 endpoint that answers 500/503, drops the connection mid-body or does not answer: reads
and writes retry a bounded, configured number of times (NBA_S3_ATTEMPTS, NBA_S3_TIMEOUT), then
fail with one line; a document is never half-written, and never read half-written.

The faults come from :class:`tests.faults.s3proxy.FaultProxy` in front of moto's real S3 server,
decided request by request (the first N PUTs of a key answer 503, ...), never by timing.
"""

from __future__ import annotations

import json

import pytest

from nba_predictions.documents import io as artifacts
from nba_predictions.documents import locations
from nba_predictions.errors import ArtifactError, LocationError
from tests.faults.s3proxy import FaultProxy

OLD = b'{"old": "document"}' * 500
NEW = b'{"new": "document"}' * 5000  # 95 kB: one PutObject


@pytest.fixture
def store(s3_env, monkeypatch):
    """(proxy, bucket, s3://bucket/doc.json) with OLD stored there; the process's S3 endpoint is
    the proxy, with 2 attempts per request and a 1 s timeout."""
    bucket = s3_env.new_bucket("faults")
    s3_env.client().put_object(Bucket=bucket, Key="doc.json", Body=OLD)
    proxy = FaultProxy(s3_env.endpoint_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    monkeypatch.setenv("NBA_S3_ATTEMPTS", "2")
    monkeypatch.setenv("NBA_S3_TIMEOUT", "1")
    try:
        yield proxy, bucket, f"s3://{bucket}/doc.json"
    finally:
        proxy.close()


def stored(s3_env, bucket: str) -> bytes:
    return s3_env.get(bucket, "doc.json")  # straight from moto, past the proxy


@pytest.mark.parametrize("status", [500, 503])
def test_a_write_answered_with_an_error_once_is_retried(s3_env, store, status):
    proxy, bucket, url = store
    proxy.fail("PUT", "doc.json", "status", status=status)
    locations.write_bytes(url, NEW)
    assert proxy.count("PUT", "doc.json") == 2
    assert stored(s3_env, bucket) == NEW


@pytest.mark.parametrize(("status", "requests"), [(500, 2), (503, 2 * locations.S3FS_ATTEMPTS)])
def test_a_write_answered_with_errors_every_time_gives_up_after_the_configured_attempts(
    s3_env, store, status, requests
):
    proxy, bucket, url = store
    proxy.fail("PUT", "doc.json", "status", status=status, times=100)
    with pytest.raises(LocationError) as failed:
        locations.write_bytes(url, NEW)
    # botocore's 2 attempts; s3fs starts a call over only for SlowDown (503)
    assert proxy.count("PUT", "doc.json") == requests
    assert f"the S3 server answered {status}" in failed.value.reason
    assert "gave up after NBA_S3_ATTEMPTS=2 attempts of up to NBA_S3_TIMEOUT=1 s" in failed.value.reason
    assert "\n" not in str(failed.value)
    assert stored(s3_env, bucket) == OLD  # the previous document, whole


def test_a_put_whose_connection_drops_mid_body_is_retried_and_never_stored_half(s3_env, store):
    proxy, bucket, url = store
    proxy.fail("PUT", "doc.json", "drop")
    locations.write_bytes(url, NEW)
    assert proxy.count("PUT", "doc.json") == 2
    assert stored(s3_env, bucket) == NEW


def test_a_put_dropped_every_time_fails_and_leaves_the_previous_document(s3_env, store):
    proxy, bucket, url = store
    proxy.fail("PUT", "doc.json", "drop", times=1000)
    with pytest.raises(LocationError) as failed:
        locations.write_bytes(url, NEW)
    assert "gave up after NBA_S3_ATTEMPTS=2" in failed.value.reason
    assert 2 <= proxy.count("PUT", "doc.json") <= 4 * locations.S3FS_ATTEMPTS  # bounded (aiohttp may resend once)
    assert stored(s3_env, bucket) == OLD


def test_a_get_whose_connection_drops_mid_body_is_read_again_whole(s3_env, store):
    proxy, _, url = store
    proxy.fail("GET", "doc.json", "drop")
    assert locations.read_bytes(url) == OLD
    assert proxy.count("GET", "doc.json") == 2


def test_a_get_dropped_every_time_is_an_error_never_half_a_document(s3_env, store):
    proxy, _, url = store
    proxy.fail("GET", "doc.json", "drop", times=1000)
    with pytest.raises(LocationError) as failed:
        locations.read_bytes(url)
    assert "Not enough data" in failed.value.reason or "payload" in failed.value.reason.lower()
    assert proxy.count("GET", "doc.json") == locations.S3FS_ATTEMPTS  # the body broke off: s3fs's loop only


def test_a_request_that_gets_no_answer_times_out_and_gives_up(s3_env, store):
    proxy, bucket, url = store
    proxy.fail("PUT", "doc.json", "hold", times=1000)
    with pytest.raises(LocationError) as failed:
        locations.write_bytes(url, NEW)
    proxy.release()
    assert "Read timeout" in failed.value.reason
    assert failed.value.hint is not None and "NBA_S3_TIMEOUT" in failed.value.hint
    # each of the 2 attempts of each of s3fs's calls was held until its 1 s read timeout (the proxy
    # may see the last one after the client gave up on it: wait for it, by count, not by time)
    for _ in range(2 * locations.S3FS_ATTEMPTS):
        assert proxy.held.acquire(timeout=120)
    assert proxy.count("PUT", "doc.json") == 2 * locations.S3FS_ATTEMPTS
    assert stored(s3_env, bucket) == OLD


def test_a_slow_answer_then_a_prompt_one_is_a_success(s3_env, store):
    proxy, bucket, url = store
    proxy.fail("PUT", "doc.json", "hold")  # the first attempt times out, the second is answered
    locations.write_bytes(url, NEW)
    proxy.release()
    assert proxy.held.acquire(timeout=0)  # it was held
    assert proxy.count("PUT", "doc.json") == 2
    assert stored(s3_env, bucket) == NEW


def test_reading_a_document_through_a_broken_connection_is_one_line(s3_env, store):
    proxy, _, url = store
    proxy.fail("GET", "doc.json", "drop", times=1000)
    with pytest.raises(ArtifactError) as failed:
        artifacts.read_document(url, "features")
    message = str(failed.value)
    assert message.startswith(f"cannot read {url}: ")
    assert message.endswith("raise NBA_S3_ATTEMPTS / NBA_S3_TIMEOUT for a slow one")
    assert "\n" not in message


@pytest.mark.parametrize("name, value", [("NBA_S3_ATTEMPTS", "0"), ("NBA_S3_TIMEOUT", "0"), ("NBA_S3_ATTEMPTS", "x")])
def test_bad_retry_settings_are_refused_with_their_name(store, monkeypatch, name, value):
    _, _, url = store
    monkeypatch.setenv(name, value)
    with pytest.raises(LocationError) as failed:
        locations.read_bytes(url)
    assert failed.value.reason.startswith(f"{name}=")


def test_the_command_line_fails_in_one_line_with_exit_1_and_stores_nothing(run_cli, s3_server):
    bucket = s3_server.new_bucket("faults")
    proxy = FaultProxy(s3_server.endpoint_url)
    try:
        proxy.fail("PUT", "collected.json", "status", status=503, times=1000)
        env = {**s3_server.env, "AWS_ENDPOINT_URL": proxy.url, "NBA_S3_ATTEMPTS": "2", "NBA_S3_TIMEOUT": "5"}
        url = f"s3://{bucket}/2024-01-15/collected.json"
        result = run_cli("--date", "2024-01-15", "--until-step", "collection", "--output", url, env=env)
    finally:
        proxy.close()
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"nba-predictions: error: cannot write {url}: the S3 server answered 503 SlowDown: injected "
        "(gave up after NBA_S3_ATTEMPTS=2 attempts of up to NBA_S3_TIMEOUT=5 s); rerun when the object store "
        "answers again, or raise NBA_S3_ATTEMPTS / NBA_S3_TIMEOUT for a slow one"
    )
    assert s3_server.keys(bucket) == []
    assert json.dumps(proxy.count("PUT", "collected.json")) == str(2 * locations.S3FS_ATTEMPTS)
