"""GET /readyz (issue 12 item 5): 200 while the database and S3 answer, 503 naming what does
not (and nothing else: no host, port, bucket or driver message). /healthz stays liveness."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import asyncpg
import pytest

from storage.emulator import free_port
from tests.conftest import S3Env, serve_live


def test_ready_when_the_database_and_s3_answer(live: Any) -> None:
    with live.client() as client:
        # Probes come by pod IP: any Host header is answered.
        answer = client.get("/readyz", headers={"Host": "10.1.2.3:8000"})
        assert answer.status_code == 200
        assert answer.json() == {"status": "ready", "checks": {"database": "ok", "s3": "ok"}}
        assert answer.headers["cache-control"] == "no-store"
        assert client.get("/healthz").json() == {"status": "ok"}


def test_a_wrong_s3_endpoint_is_named_and_nothing_more(database_url: str, s3env: S3Env) -> None:
    port = free_port()  # nothing listens there
    wrong = dataclasses.replace(s3env, endpoint_url=f"http://127.0.0.1:{port}")
    with serve_live(database_url, wrong) as live, live.client() as client:
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert answer.json() == {"status": "not ready", "checks": {"database": "ok", "s3": "unreachable"}}
        assert str(port) not in answer.text
        assert client.get("/healthz").status_code == 200  # alive: a restart would not help


def test_a_missing_bucket_is_named(database_url: str, s3env: S3Env) -> None:
    with serve_live(database_url, dataclasses.replace(s3env, bucket="ats-no-such-bucket")) as live, live.client() as client:
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert answer.json()["checks"] == {"database": "ok", "s3": "unreachable"}
        assert "no-such-bucket" not in answer.text


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_database_gone_is_named(live: Any) -> None:
    """PostgreSQL only: a SQLite file held open by the pool keeps answering after it is removed."""
    with live.client() as client:
        assert client.get("/readyz").status_code == 200
        name = live.database_url.rsplit("/", 1)[1]

        async def drop() -> None:
            admin = live.database_url.rsplit("/", 1)[0] + "/postgres"
            conn = await asyncpg.connect(admin)
            try:
                await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            finally:
                await conn.close()

        asyncio.run(drop())
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert answer.json() == {"status": "not ready", "checks": {"database": "unreachable", "s3": "ok"}}
        assert name not in answer.text
