"""Shared fixtures. Databases: every `database_url` test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ATS_TEST_POSTGRES_URL (a role allowed to CREATE DATABASE). Without it the
PostgreSQL half is skipped locally, and fails when ATS_REQUIRE_POSTGRES=1 (CI sets it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import asyncpg
import httpx
import pytest
import uvicorn

from ats.bootstrap import Container, build
from ats.settings import Settings, load_settings
from storage.emulator import Emulator, clients, free_port, provision, provision_signing_key, start_emulator

REGION = "eu-west-2"
PG_URL = os.environ.get("ATS_TEST_POSTGRES_URL")
REQUIRE_PG = os.environ.get("ATS_REQUIRE_POSTGRES") == "1"
_TEMPLATE_DB = f"ats_template_{os.getpid()}"


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    emu = start_emulator()
    yield emu
    emu.stop()


@dataclass
class S3Env:
    endpoint_url: str
    bucket: str
    kms_key_id: str
    s3: Any
    kms: Any
    # The audit checkpoints' asymmetric key (one per emulator); settings take it when a test asks.
    signing_key_id: str | None = None


@pytest.fixture(scope="session")
def signing_key_id(emulator: Emulator) -> str:
    _, kms = clients(emulator.endpoint_url, REGION, emulated=True)
    return provision_signing_key(kms)


@pytest.fixture
def s3env(emulator: Emulator, signing_key_id: str) -> S3Env:
    """A fresh versioned bucket and KMS key per test: tests never see each other's objects."""
    s3, kms = clients(emulator.endpoint_url, REGION, emulated=True)
    bucket = f"ats-test-{uuid.uuid4().hex[:16]}"
    key_id = provision(s3, kms, bucket, REGION)
    return S3Env(emulator.endpoint_url, bucket, key_id, s3, kms, signing_key_id)


def _with_db(url: str, name: str) -> str:
    parts = urlparse(url)
    return urlunparse(parts._replace(path=f"/{name}"))


async def _pg_template() -> None:
    """Migrate one template database; each test then copies it (CREATE DATABASE ... TEMPLATE)."""
    from storage import engine as db
    from storage.migrate import migrate

    conn = await asyncpg.connect(PG_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{_TEMPLATE_DB}"')
        await conn.execute(f'CREATE DATABASE "{_TEMPLATE_DB}"')
    finally:
        await conn.close()
    engine = db.engine_from_url(_with_db(PG_URL, _TEMPLATE_DB))
    db.bind(engine)
    await migrate()


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("ATS_REQUIRE_POSTGRES=1 but ATS_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL not configured (set ATS_TEST_POSTGRES_URL)")
    asyncio.run(_pg_template())
    yield _TEMPLATE_DB

    async def drop() -> None:
        conn = await asyncpg.connect(PG_URL)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{_TEMPLATE_DB}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ats.sqlite3'}"
        return
    template = request.getfixturevalue("pg_template")
    name = f"ats_test_{uuid.uuid4().hex[:12]}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(PG_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _with_db(PG_URL, name)
    try:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    except asyncpg.PostgresError:
        # A role that may not end other backends: a leftover test database harms nothing.
        time.sleep(0.5)
        with contextlib.suppress(asyncpg.PostgresError):
            asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}"'))


# The suite posts many applications from 127.0.0.1 within a minute; tests of the limits
# themselves pass their own `ats_rate_limits`.
TEST_RATE_LIMITS = "applications=100000/minute;privacy_requests=100000/minute;login=100000/minute"


def make_settings(database_url: str, s3env: S3Env, **overrides: Any) -> Settings:
    overrides.setdefault("ats_rate_limits", TEST_RATE_LIMITS)
    return load_settings(
        {},
        ats_env="development",
        ats_database_url=database_url,
        ats_s3_bucket=s3env.bucket,
        ats_s3_endpoint_url=s3env.endpoint_url,
        ats_kms_key_id=s3env.kms_key_id,
        aws_region=REGION,
        ats_secret_key=secrets.token_urlsafe(48),
        embedded=True,
        **overrides,
    )


@pytest.fixture
async def container(database_url: str, s3env: S3Env) -> AsyncIterator[Container]:
    """Real adapters: the database under test, the emulator's S3 and KMS over HTTP."""
    from storage.migrate import migrate

    c = build(make_settings(database_url, s3env))
    await c.startup()
    if database_url.startswith("sqlite"):
        await migrate()
    yield c
    await c.shutdown()


class LiveServer:
    """The whole app under uvicorn on a loopback port, in a thread with its own event loop."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class Live:
    url: str
    container: Container
    s3env: S3Env
    database_url: str

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)


@contextlib.contextmanager
def serve_live(database_url: str, s3env: S3Env, **overrides: Any) -> Iterator[Live]:
    """The app under uvicorn on a free loopback port, whose URL is also its ATS_PUBLIC_URL."""
    from ats.web.app import create_app
    from storage.migrate import migrate

    port = free_port()
    overrides.setdefault("ats_public_url", f"http://127.0.0.1:{port}")
    c = build(make_settings(database_url, s3env, **overrides))
    if database_url.startswith("sqlite"):
        asyncio.run(migrate())
    with LiveServer(create_app(c), port=port) as server:
        yield Live(server.url, c, s3env, database_url)


@pytest.fixture
def live(database_url: str, s3env: S3Env) -> Iterator[Live]:
    """The app served over real HTTP (uvicorn), migrated, with real S3/KMS and the database."""
    with serve_live(database_url, s3env) as server:
        yield server


@pytest.fixture
def live_with(database_url: str, s3env: S3Env) -> Any:
    """`with live_with(ats_rate_limits=...) as live:` the `live` server with other settings."""
    return lambda **overrides: serve_live(database_url, s3env, **overrides)
