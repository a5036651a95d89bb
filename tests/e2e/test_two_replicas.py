"""Scale-out (issue 12 #6): two `ats serve` processes on one PostgreSQL database and one S3
endpoint (the emulator, a process of its own) behave as one service under concurrent intake:
every 201 is one stored application, none twice, none lost; a duplicate sent to both at once is
stored once; the audit chain both appended to verifies; a staff session made on one process is
valid on the other (the same ATS_SECRET_KEY signs the cookie, and the session's state is in the
database)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ats.bootstrap import build
from ats.domain import audit as audit_chain
from storage.emulator import free_port
from tests.conftest import TEST_RATE_LIMITS, S3Env, make_settings
from tests.e2e.support import add_position, add_staff, admin_login, api_apply, applicant, sql_all
from tests.helpers import cli_env

UNIQUE, RACED, WORKERS = 24, 4, 6  # tens of applications, six requests in flight


@dataclass
class Replicas:
    urls: list[str]
    database_url: str
    env: dict[str, str]
    settings: Any


def _wait_ready(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ats serve exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("ats serve did not become ready")


@pytest.fixture
def replicas(database_url: str, s3env: S3Env) -> Iterator[Replicas]:
    ports = [free_port(), free_port()]
    settings = make_settings(database_url, s3env)
    env = {
        **cli_env(settings),
        "ATS_PUBLIC_URL": f"http://127.0.0.1:{ports[0]}",  # one public origin, as behind a load balancer
        "ATS_RATE_LIMITS": TEST_RATE_LIMITS,  # every request comes from 127.0.0.1
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "ats.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for process, url in zip(processes, urls, strict=True):
            _wait_ready(process, url)
        yield Replicas(urls, database_url, env, settings)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _apply(url: str, position_id: Any, email: str) -> httpx.Response:
    with httpx.Client(base_url=url, timeout=60) as client:
        return api_apply(client, position_id, data=applicant(email=email, full_name="Replica Applicant"))


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_processes_take_every_application_once(replicas: Replicas) -> None:
    position_id = add_position(replicas)
    jobs = [(replicas.urls[i % 2], f"unique{i}@example.com") for i in range(UNIQUE)]
    # The same person sent to both processes at once: one application, both answered 201.
    jobs += [(url, f"raced{i}@example.com") for i in range(RACED) for url in replicas.urls]
    with ThreadPoolExecutor(WORKERS) as pool:
        answers = list(pool.map(lambda job: _apply(job[0], position_id, job[1]), jobs))
    assert [a.status_code for a in answers] == [201] * len(jobs), [a.text[:200] for a in answers if a.status_code != 201]
    unique_ids = {a.json()["id"] for a in answers[:UNIQUE]}
    assert len(unique_ids) == UNIQUE

    rows = sql_all(
        replicas.database_url,
        "SELECT a.id, a.reference, p.email FROM applications a JOIN persons p ON p.id = a.person_id "
        "WHERE a.position_id = $1",
        position_id,
    )
    assert len(rows) == UNIQUE + RACED
    assert len({r[1] for r in rows}) == len(rows)  # references unique
    emails = sorted(r[2] for r in rows)
    assert emails == sorted({email for _, email in jobs})  # each person once: none lost, none twice
    assert {str(r[0]) for r in rows if r[2].startswith("unique")} == unique_ids
    (records,) = sql_all(replicas.database_url, "SELECT COUNT(*) FROM records")[0]
    assert records == UNIQUE + RACED  # one CV each; the raced duplicates' uploads left nothing

    # Both processes appended to one hash chain, concurrently: it is unbroken. (The servers are
    # other processes, so this process may build its own container on the same database.)
    events = asyncio.run(_audit_events(replicas.settings))
    assert sorted(e.seq for e in events) == list(range(1, len(events) + 1))
    assert audit_chain.verify(events) is None
    assert len([e for e in events if e.action == "application.submitted"]) == UNIQUE + RACED


async def _audit_events(settings: Any) -> list[Any]:
    container = build(settings)
    await container.startup()
    try:
        return await container.deps.uow.repo.list_audit()
    finally:
        await container.shutdown()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_session_made_on_one_process_is_valid_on_the_other(replicas: Replicas) -> None:
    staff = add_staff(replicas, email="replica.officer@example.com", role="privacy_officer")
    first, second = replicas.urls
    with httpx.Client(base_url=first, timeout=30) as one:
        signed_in = admin_login(one, staff)
        assert signed_in.status_code == 303, signed_in.text[:300]
        cookies = dict(one.cookies)
    with httpx.Client(base_url=second, timeout=30, cookies=cookies) as other:
        home = other.get("/admin/")
        assert home.status_code == 200, home.text[:300]
        assert staff.email in home.text or "Sign out" in home.text
    with httpx.Client(base_url=second, timeout=30) as stranger:
        assert stranger.get("/admin/").status_code in (302, 303)  # no cookie: the sign-in page
