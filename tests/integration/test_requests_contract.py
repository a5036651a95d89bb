"""Contract of the request repository (ats.ports_requests): the in-memory fake and the piccolo
repository on SQLite and PostgreSQL agree; and `ats requests list` reads it."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest

from ats.bootstrap import Container
from ats.domain import privacy_requests as pr
from ats.domain.model import Application, ApplicationStatus, Person, Position, PositionStatus
from storage.memory import MemoryUnitOfWork
from tests.integration.test_cli import ats

BACKENDS = pytest.mark.parametrize(
    ("backend", "database_url"),
    [
        pytest.param("memory", "sqlite", id="memory"),
        pytest.param("piccolo", "sqlite", id="piccolo-sqlite"),
        pytest.param("piccolo", "postgresql", id="piccolo-postgresql"),
    ],
    indirect=["database_url"],
)
T0 = datetime(2027, 1, 4, 9, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def uow(request: pytest.FixtureRequest, backend: str, database_url: str) -> Any:
    if backend == "memory":
        return MemoryUnitOfWork()
    return request.getfixturevalue("container").deps.uow


def _request(email: str = "a@example.org", **changes: Any) -> pr.PrivacyRequest:
    made = pr.received(request_id=uuid4(), email=email, kind="access", reference=None, details="ÿ détails",
                       key=pr.code_key("k" * 40), code="123456", now=T0)  # fmt: skip
    return dataclasses.replace(made, **changes)


@BACKENDS
async def test_requests_round_trip_and_queue_order(uow: Any) -> None:
    late = _request(status=pr.RequestStatus.OPEN, due_on=date(2027, 2, 4), applications=(uuid4(), uuid4()), jurisdictions=("CA", "GB"))
    soon = _request(status=pr.RequestStatus.OPEN, due_on=date(2027, 3, 1), extended_due_on=None)
    waiting = _request()
    async with uow.transaction() as tx:
        for r in (waiting, soon, late):
            await tx.add_privacy_request(r)
    assert await uow.repo.get_privacy_request(late.id) == late
    assert await uow.repo.get_privacy_request(uuid4()) is None
    moved = dataclasses.replace(late, extended_due_on=date(2027, 4, 1), extension_reason="complex", tries=2)
    async with uow.transaction() as tx:
        assert await tx.get_privacy_request(late.id, lock=True) == late
        await tx.save_privacy_request(moved)
    assert await uow.repo.get_privacy_request(late.id) == moved
    assert [r.id for r in await uow.repo.list_privacy_requests()] == [soon.id, moved.id, waiting.id]
    assert [r.id for r in await uow.repo.list_privacy_requests(status="awaiting_verification")] == [waiting.id]


@BACKENDS
async def test_applications_of_an_email(uow: Any) -> None:
    ids = []
    async with uow.transaction() as tx:
        for code, email in (("GB", "p@example.org"), ("CA", "p@example.org"), ("FR", "other@example.org")):
            position = Position(uuid4(), f"Role {code}", code, PositionStatus.OPEN, T0)
            person = Person(uuid4(), email, "P", None, code, T0)
            app = Application(uuid4(), f"R-{code}-{uuid4().hex[:6]}", position.id, person.id, ApplicationStatus.SUBMITTED, T0, "v1")
            await tx.add_position(position)
            await tx.add_person(person)
            await tx.add_application(app)
            ids.append((app.id, code, app.reference))
    found = await uow.repo.applications_of_email("p@example.org")
    assert found == sorted([(ids[0][0], "GB"), (ids[1][0], "CA")])
    assert await uow.repo.applications_of_email("p@example.org", reference=ids[1][2]) == [(ids[1][0], "CA")]
    assert await uow.repo.applications_of_email("p@example.org", reference=ids[2][2]) == []  # someone else's
    assert await uow.repo.applications_of_email("nobody@example.org") == []


async def test_ats_requests_list(container: Container) -> None:
    overdue = _request(status=pr.RequestStatus.OPEN, due_on=date(2020, 1, 2))
    async with container.deps.uow.transaction() as tx:
        await tx.add_privacy_request(overdue)
    done = ats(container, "requests", "list", "--json")
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)["requests"]
    assert [(r["id"], r["overdue"]) for r in listed] == [(str(overdue.id), True)]
    assert "a@example.org" not in done.stdout
    bad = ats(container, "requests", "list", "--status", "nonsense")
    assert bad.returncode != 0
