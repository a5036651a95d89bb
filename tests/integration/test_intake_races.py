"""Issue 9, items 2 and 10: the intake against a conclusion, an erasure and a duplicate that
happen while its objects are being written (SQLite and PostgreSQL, the emulator).

A blob store whose first put waits on an event holds the intake between its lookup and its
write transaction; the test changes the world meanwhile, then lets the put go on."""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
import pytest

from ats.bootstrap import Container
from ats.domain.actors import SYSTEM, staff
from ats.domain.errors import Conflict
from ats.domain.model import Role
from ats.services import applications, expiry, positions, retention
from ats.services.applications import Submitted, Upload
from tests.helpers import bucket_versions, pdf, sql_rows

OFFICER = staff(uuid.uuid4(), Role.PRIVACY_OFFICER)  # sees every position's applications (DESIGN §8)
EMAIL = "ines.racer@example.com"


class GatedPuts:
    """Wraps the real blob store; the first put waits until `release` is set."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.reached, self.release = inner, threading.Event(), threading.Event()
        self._first = True

    def put(self, key: str, body: bytes, tags: Any) -> str:
        if self._first:
            self._first = False
            self.reached.set()
            assert self.release.wait(60), "the test never released the put"
        return self.inner.put(key, body, tags)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def gate(c: Container) -> GatedPuts:
    gated = GatedPuts(c.deps.vault.blobs)
    c.deps.vault.blobs = gated  # type: ignore[attr-defined]
    return gated


async def apply(c: Container, position_id: uuid.UUID, name: str = "Inès Racer", email: str = EMAIL) -> Submitted:
    return await applications.submit_application(
        c.deps,
        position_id=position_id,
        fields={"full_name": name, "email": email, "country": "FR", "privacy_notice_acknowledged": "true"},
        cv=Upload("cv.pdf", pdf(f"cv of {name}")),
    )


async def held_intake(c: Container, gated: GatedPuts, position_id: uuid.UUID, **kw: Any) -> asyncio.Task:
    task = asyncio.create_task(apply(c, position_id, **kw))
    assert await anyio.to_thread.run_sync(gated.reached.wait, 30)
    return task


def db(c: Container) -> str:
    return c.settings.ats_database_url


async def test_an_intake_racing_the_conclusion_is_refused_and_leaves_nothing(container: Container) -> None:
    position = await positions.create_position(container.deps, SYSTEM, title="Racy", jurisdiction="GB")
    gated = gate(container)
    intake = await held_intake(container, gated, position.id)
    await retention.conclude_position(container.deps, SYSTEM, position.id, outcome="filled", production=False)
    gated.release.set()
    with pytest.raises(Conflict) as refused:
        await intake
    assert refused.value.code == "position_closed"
    # Before the fix the application landed on the concluded position with no retention
    # date: never erased.
    assert sql_rows(db(container), "SELECT COUNT(*) FROM applications")[0][0] == 0
    assert sql_rows(db(container), "SELECT COUNT(*) FROM persons")[0][0] == 0
    assert sql_rows(db(container), "SELECT COUNT(*) FROM data_keys")[0][0] == 0
    assert bucket_versions(container.s3, container.settings.ats_s3_bucket) == []


async def test_an_intake_racing_the_erasure_of_the_same_email_keeps_its_own_person(container: Container) -> None:
    old = await positions.create_position(container.deps, SYSTEM, title="Old", jurisdiction="GB")
    new = await positions.create_position(container.deps, SYSTEM, title="New", jurisdiction="GB")
    await apply(container, old.id)
    await retention.conclude_position(
        container.deps, SYSTEM, old.id, outcome="filled", at=datetime(2020, 1, 1, tzinfo=UTC), production=False
    )
    gated = gate(container)
    intake = await held_intake(container, gated, new.id)
    report = await expiry.erase_due(container.deps, as_of=datetime(2025, 1, 1, tzinfo=UTC))
    assert report.erased == 1
    gated.release.set()
    submitted = await intake
    # Before the fix the new application pointed at the person row the erasure had just
    # deleted, and the position's page failed on it.
    application = await container.deps.uow.repo.get_application(submitted.id)
    person = await container.deps.uow.repo.get_person(application.person_id)
    assert person is not None and person.email == EMAIL
    page = await applications.list_applications(container.deps, OFFICER, new.id)
    assert [a.id for a, _ in page.rows] == [submitted.id]


async def test_a_duplicate_racing_the_first_application_is_answered_alike_and_discarded(container: Container) -> None:
    position = await positions.create_position(container.deps, SYSTEM, title="Twice", jurisdiction="GB")
    gated = gate(container)
    late = await held_intake(container, gated, position.id, name="Someone Else")
    first = await apply(container, position.id)  # the same email, written while `late` waits
    gated.release.set()
    answer = await late
    assert isinstance(answer, Submitted) and answer.id != first.id and answer.reference
    # Nothing of the late upload is kept: one application, one person, only its objects.
    assert [r[0] for r in sql_rows(db(container), "SELECT full_name FROM persons")] == ["Inès Racer"]
    assert sql_rows(db(container), "SELECT COUNT(*) FROM applications")[0][0] == 1
    keys = {key.split("/")[1] for key, _ in bucket_versions(container.s3, container.settings.ats_s3_bucket)}
    assert keys == {str(first.id)}


async def test_a_duplicate_is_answered_like_an_application_and_handled_in_private(container: Container) -> None:
    position = await positions.create_position(container.deps, SYSTEM, title="Once", jurisdiction="GB")
    first = await apply(container, position.id)
    before = bucket_versions(container.s3, container.settings.ats_s3_bucket)
    again = await apply(container, position.id, name="A Stranger")
    assert again.id != first.id and len(again.reference) == len(first.reference)
    assert sql_rows(db(container), "SELECT COUNT(*) FROM applications")[0][0] == 1
    assert [r[0] for r in sql_rows(db(container), "SELECT full_name FROM persons")] == ["Inès Racer"]
    assert bucket_versions(container.s3, container.settings.ats_s3_bucket) == before
    (event,) = [e for e in await container.deps.uow.repo.list_audit() if e.action == "application.duplicate_received"]
    assert (event.application_id, event.position_id, event.details) == (first.id, position.id, {})
    # The owner of the address is told, through the outbox, sealed under their application.
    (kind, application_id) = sql_rows(db(container), "SELECT kind, application_id FROM outbox")[0]
    assert (kind, str(application_id)) == ("application.duplicate", str(first.id))


async def test_the_same_email_to_another_position_gets_its_own_contact_row(container: Container) -> None:
    one = await positions.create_position(container.deps, SYSTEM, title="One", jurisdiction="GB")
    two = await positions.create_position(container.deps, SYSTEM, title="Two", jurisdiction="GB")
    first = await apply(container, one.id, name="Inès Racer")
    second = await apply(container, two.id, name="Somebody Using Her Address")
    repo = container.deps.uow.repo
    a, b = await repo.get_application(first.id), await repo.get_application(second.id)
    assert a.person_id != b.person_id
    assert (await repo.get_person(a.person_id)).full_name == "Inès Racer"  # never merged or overwritten
    rows = sql_rows(db(container), "SELECT full_name FROM persons WHERE email = $1 ORDER BY full_name", EMAIL)
    assert [r[0] for r in rows] == ["Inès Racer", "Somebody Using Her Address"]
