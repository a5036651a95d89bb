"""The "world" of the access tests (issue 8): one live server with three positions and staff of
every role, built once per test module and database.

- position A: open, assigned to the test recruiter and hiring manager;
- position B: open, assigned to another recruiter and hiring manager (not to the test ones);
- position C: assigned to the test recruiter and hiring manager, then concluded (archive phase).

Each position has one application walked through the API by its own recruiter to a background
check with a result: a CV, a cover letter, a referee with a reference report, an accepted offer
(its link kept), a consent given through its link, a `clear` check with its report. So every path
parameter of every route has a real id of each position to be filled with.

Assignments go through the CLI of DESIGN §9 (`ats positions assign ID --email E`); users and
their tokens through raw SQL (tests/e2e/support.py says why not through a second container).
The server is built here rather than through the `live` fixture because the tests need the app
object itself: its route table (ats.web.app.route_table) is what the matrix walks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from ats.bootstrap import build
from storage.emulator import clients, free_port, provision
from storage.smtp_server import SmtpServer
from tests.conftest import PG_URL, REGION, Live, LiveServer, S3Env, _with_db, make_settings
from tests.e2e.support import (
    Staff,
    add_position,
    add_staff,
    admin_login,
    api_apply,
    applicant,
    bearer,
    csrf_field,
    post_multipart,
    sql_all,
)
from tests.helpers import TABLES, cli_env, pdf

API = "/api/v1"
KINDS = ("A", "B", "C")
ROLES = ("recruiter", "hiring_manager", "privacy_officer", "admin")
BEFORE_OFFER = ("screening", "interview", "reference_check")
# Tables a request that changes nothing leaves as they were (audit_events is apart: reads are
# audited, DESIGN invariant 6).
EXTRA_TABLES = ("referees", "consent_requests", "background_checks", "tombstones")


@dataclass
class PositionWorld:
    kind: str
    position_id: uuid.UUID
    application_id: str = ""
    reference: str = ""
    name: str = ""
    email: str = ""
    records: dict[str, str] = field(default_factory=dict)  # record_type -> record id
    referee_id: str = ""
    consent_id: str = ""
    check_id: str = ""
    offer_token: str = ""
    consent_token: str = ""

    def personal(self) -> list[str]:
        """What of this application must not appear on a page that shows no candidate data."""
        return [self.name, self.email, self.reference]


@dataclass
class World:
    live: Live
    app: Any
    staff: dict[str, Staff]  # role -> the test user of that role
    others: dict[str, Staff]  # the recruiter and hiring manager assigned to B
    victim: Staff  # a user the admin pages act on; its one token revoked at the start
    victim_token_id: str
    positions: dict[str, PositionWorld]
    sessions: dict[str, httpx.Client]  # role -> a signed-in panel client
    csrf: dict[str, str]  # role -> that session's CSRF token
    assign_errors: list[str]  # what `ats positions assign` said when it failed

    def ats(self, *args: str) -> subprocess.CompletedProcess[str]:
        return ats(self.live, *args)

    def anonymous(self) -> httpx.Client:
        return self.live.client(follow_redirects=False)

    def snapshot(self) -> dict[str, Any]:
        """Row counts of every table a refused or invalid request must leave alone, each
        application's status and hold, each position's status, and the bucket's versions."""
        url = self.live.database_url
        rows = {t: sql_all(url, f"SELECT COUNT(*) FROM {t}")[0][0] for t in TABLES if t != "audit_events"}
        for table in EXTRA_TABLES:
            rows[table] = sql_all(url, f"SELECT COUNT(*) FROM {table}")[0][0]
        s3 = self.live.s3env
        versions = []
        for page in s3.s3.get_paginator("list_object_versions").paginate(Bucket=s3.bucket):
            versions += [v["VersionId"] for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]]
        return {
            "rows": rows,
            "applications": sorted(
                (str(a), str(s), bool(h))
                for a, s, h in sql_all(url, "SELECT id, status, legal_hold_reason IS NOT NULL FROM applications")
            ),
            "positions": sorted((str(p), str(s)) for p, s in sql_all(url, "SELECT id, status FROM positions")),
            "users": sorted((str(e), bool(a)) for e, a in sql_all(url, "SELECT email, active FROM users")),
            "versions": sorted(versions),
        }

    def audit_count(self) -> int:
        return sql_all(self.live.database_url, "SELECT COUNT(*) FROM audit_events")[0][0]


def ats(live: Live, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ats.cli", *args],
        env=cli_env(live.container.settings),
        capture_output=True,
        text=True,
        timeout=120,
    )


# ---------------------------------------------------------------- the server


@contextlib.contextmanager
def _database(kind: str, request: pytest.FixtureRequest, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'ats.sqlite3'}"
        return
    template = request.getfixturevalue("pg_template")
    name = f"ats_world_{uuid.uuid4().hex[:12]}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(PG_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield _with_db(PG_URL, name)
    finally:
        with contextlib.suppress(asyncpg.PostgresError):
            asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def serve_world(kind: str, request: pytest.FixtureRequest, tmp: Path) -> Iterator[World]:
    from ats.web.app import create_app
    from storage.migrate import migrate

    emulator = request.getfixturevalue("emulator")
    s3, kms = clients(emulator.endpoint_url, REGION, emulated=True)
    bucket = f"ats-world-{uuid.uuid4().hex[:16]}"
    s3env = S3Env(emulator.endpoint_url, bucket, provision(s3, kms, bucket, REGION), s3, kms)
    # Mail goes to an SMTP server in the process, as in the embedded mode (so the development
    # mailbox exists and holds what the workflow mailed to the candidates).
    with _database(kind, request, tmp) as database_url, SmtpServer() as smtp:
        port = free_port()
        container = build(
            make_settings(database_url, s3env, ats_public_url=f"http://127.0.0.1:{port}", ats_smtp_url=smtp.url)
        )
        container.deps.mail.inbox = smtp.inbox
        if database_url.startswith("sqlite"):
            asyncio.run(migrate())
        app = create_app(container)
        with LiveServer(app, port=port) as server:
            live = Live(server.url, container, s3env, database_url)
            world = _populate(live, app)
            try:
                yield world
            finally:
                for client in world.sessions.values():
                    client.close()


# ---------------------------------------------------------------- the data


def _ok(response: httpx.Response, *statuses: int) -> httpx.Response:
    assert response.status_code in (statuses or (200,)), (response.request.url, response.text[:500])
    return response


def _walk(client: httpx.Client, staff: Staff, application_id: str, *states: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for to in states:
        body = _ok(
            client.post(f"{API}/applications/{application_id}/transitions", json={"to": to}, headers=bearer(staff))
        ).json()
    return body


def _link_form(client: httpx.Client, link: str, **fields: str) -> None:
    page = _ok(client.get(link))
    _ok(client.post(link, data={"csrftoken": csrf_field(page.text), **fields}))


def _application(live: Live, client: httpx.Client, recruiter: Staff, p: PositionWorld) -> None:
    """One application walked to a background check with a `clear` result (see the module doc)."""
    p.name = f"Matrix Candidate {p.kind}"
    p.email = f"candidate-{p.kind.lower()}@example.com"
    files = {"cv": ("cv.pdf", pdf(), "application/pdf"), "cover_letter": ("letter.pdf", pdf("Letter"), "application/pdf")}
    created = _ok(api_apply(client, p.position_id, data=applicant(full_name=p.name, email=p.email), files=files), 201)
    p.application_id, p.reference = created.json()["id"], created.json()["reference"]
    _walk(client, recruiter, p.application_id, *BEFORE_OFFER)
    added = client.post(
        f"{API}/applications/{p.application_id}/referees",
        json={"full_name": "Charles Babbage", "email": f"referee-{p.kind.lower()}@example.com", "relationship": "mentor"},
        headers=bearer(recruiter),
    )
    p.referee_id = _ok(added, 201).json()["referees"][0]["id"]
    _ok(
        client.post(
            f"{API}/applications/{p.application_id}/referees/{p.referee_id}/report",
            json={"answers": {"Strengths?": "Analysis"}},
            headers=bearer(recruiter),
        ),
        201,
    )
    offer_link = _walk(client, recruiter, p.application_id, "offer_extended")["offer_link"]
    p.offer_token = offer_link.rsplit("/", 1)[1]
    _link_form(client, offer_link, decision="accept")
    consent = _ok(
        client.post(
            f"{API}/applications/{p.application_id}/background-check/consent-requests",
            json={"check_types": ["criminal"]},
            headers=bearer(recruiter),
        ),
        201,
    ).json()
    p.consent_id, p.consent_token = consent["id"], consent["link"].rsplit("/", 1)[1]
    _link_form(client, consent["link"], typed_name=p.name, confirmed="true", action="authorise")
    check = _ok(
        client.post(
            f"{API}/applications/{p.application_id}/background-check/checks",
            json={"consent_request_id": p.consent_id, "check_type": "criminal"},
            headers=bearer(recruiter),
        ),
        201,
    ).json()
    p.check_id = check["id"]
    _ok(
        post_multipart(
            client,
            f"{API}/checks/{p.check_id}/result",
            [("result", "clear"), ("document", ("dbs.pdf", pdf("DBS certificate"), "application/pdf"))],
            headers=bearer(recruiter),
        )
    )
    for record_id, record_type in sql_all(
        live.database_url, "SELECT id, record_type FROM records WHERE application_id = $1", uuid.UUID(p.application_id)
    ):
        p.records[str(record_type)] = str(record_id)


def _populate(live: Live, app: Any) -> World:
    staff = {role: add_staff(live, email=f"{role.replace('_', '-')}@example.com", role=role) for role in ROLES}
    others = {
        role: add_staff(live, email=f"other-{role.replace('_', '-')}@example.com", role=role)
        for role in ("recruiter", "hiring_manager")
    }
    positions = {
        kind: PositionWorld(kind, add_position(live, title=f"Matrix position {kind}", jurisdiction="GB"))
        for kind in KINDS
    }
    errors: list[str] = []
    for kind, p in positions.items():
        team = others if kind == "B" else staff
        for role in ("recruiter", "hiring_manager"):
            done = ats(live, "positions", "assign", str(p.position_id), "--email", team[role].email)
            if done.returncode != 0:
                errors.append(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else str(done.returncode))
    with live.client() as client:
        for kind, p in positions.items():
            _application(live, client, (others if kind == "B" else staff)["recruiter"], p)
        _ok(
            client.post(
                f"{API}/positions/{positions['C'].position_id}/conclusion",
                json={"outcome": "filled"},
                headers=bearer(staff["recruiter"]),
            )
        )
    sessions, csrf = {}, {}
    for role, user in staff.items():
        client = live.client(follow_redirects=False)
        _ok(admin_login(client, user), 303)
        csrf[role] = csrf_field(_ok(client.get("/admin/login")).text)
        sessions[role] = client
    victim = add_staff(live, email="victim@example.com", role="recruiter")
    listed = ats(live, "users", "tokens", "--email", victim.email, "--json")
    assert listed.returncode == 0, listed.stderr
    victim_token_id = json.loads(listed.stdout)[0]["id"]
    revoked = ats(live, "users", "revoke-token", victim_token_id)
    assert revoked.returncode == 0, revoked.stderr
    return World(live, app, staff, others, victim, victim_token_id, positions, sessions, csrf, errors)


def world_fixture(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Body of a module-scoped, database-parametrized fixture (each test module declares its own,
    so a module that changes users cannot disturb another's world)."""
    with serve_world(request.param, request, tmp_path_factory.mktemp("world")) as world:
        yield world


def location_path(response: httpx.Response) -> str:
    return urlsplit(response.headers.get("location", "")).path
