"""Prometheus metrics (issue 12 item 5): not public. /metrics exists only with ATS_METRICS_TOKEN
and answers only that bearer token; ATS_METRICS_PORT serves them on a port of their own. The
counters move with intake and refused uploads; no label or value names a person or an id."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from storage.emulator import free_port
from tests.e2e.support import add_position, api_apply, applicant, sql_exec

TOKEN = secrets.token_urlsafe(32)
ELF = b"\x7fELF\x02\x01\x01" + bytes(200)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition text, parsed by prometheus-client's own parser."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def metered(live_with: Any) -> Iterator[Any]:
    with live_with(ats_metrics_token=TOKEN) as live:
        yield live


def scrape(client: httpx.Client) -> str:
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}", "Host": "10.0.0.7:8000"})
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-type"].startswith("text/plain; version=")  # the text format
    return answer.text


def test_no_token_configured_means_no_metrics(live: Any) -> None:
    with live.client() as client:
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


def test_the_token_is_required(metered: Any) -> None:
    with metered.client() as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
            answer = client.get("/metrics", headers=headers)
            assert answer.status_code == 401 and answer.headers["www-authenticate"].startswith("Bearer")
            assert "ats_" not in answer.text


def test_counters_move_with_intake_and_a_refused_upload_and_name_no_one(metered: Any) -> None:
    position = add_position(metered)
    person = applicant(full_name="Grace Metricsworth", email="grace.metrics@example.com")
    with metered.client() as client:
        before = scrape(client)
        stored = api_apply(client, position, data=person)
        assert stored.status_code == 201, stored.text[:300]
        refused = api_apply(client, position, data=person, files={"cv": ("cv.pdf", ELF, "application/pdf")})
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "unsupported_type"
        after = scrape(client)
    assert value(after, "ats_applications_received_total") == value(before, "ats_applications_received_total") + 1
    refusals = "ats_uploads_refused_total"
    assert value(after, refusals, reason="unsupported_type") == value(before, refusals, reason="unsupported_type") + 1
    assert value(after, "ats_metrics_database_ok") == 1
    assert ("ats_outbox_pending_messages", ()) in samples(after)
    assert ("ats_privacy_requests_overdue", ()) in samples(after)
    for personal in (person["full_name"], person["email"], "Metricsworth", stored.json()["id"], stored.json()["reference"]):
        assert personal.lower() not in after.lower()


def test_job_gauges_come_from_the_job_run_table(metered: Any) -> None:
    finished = datetime.now(UTC).replace(microsecond=0)
    counts = {"erased": 7, "held": 2, "failed": 1, "due": 10, "dry_run": False}
    sql_exec(
        metered.database_url,
        "INSERT INTO job_runs (id, job, started_at, finished_at, status, counts, errors) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        uuid.uuid4(),
        "expire",
        finished - timedelta(seconds=42),
        finished,
        "ok",
        json.dumps(counts),
        "[]",
    )
    with metered.client() as client:
        text = scrape(client)
    assert value(text, "ats_job_last_success_timestamp_seconds", job="expire") == finished.timestamp()
    assert value(text, "ats_job_last_duration_seconds", job="expire") == 42
    assert value(text, "ats_job_last_run_ok", job="expire") == 1
    assert value(text, "ats_expiry_last_run_applications", outcome="erased") == 7
    assert value(text, "ats_expiry_last_run_applications", outcome="held") == 2
    assert value(text, "ats_expiry_last_run_applications", outcome="failed") == 1
    assert ("ats_job_last_success_timestamp_seconds", (("job", "mail"),)) not in samples(text)  # never ran


def test_the_separate_port_serves_the_same_metrics(live_with: Any) -> None:
    port = free_port()
    with live_with(ats_metrics_port=port) as live, live.client() as client:
        assert client.get("/metrics").status_code == 404  # no token: not on the public port
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    assert value(text, "ats_metrics_database_ok") == 1
    assert ("ats_applications_received_total", ()) in samples(text)
