"""The ExportRepository contract (ats.ports_exports), on the in-memory fake and on both
databases: the audit read by application and action, staff roles, the single-use marker,
the purge query and delete."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from ats.domain import audit as audit_chain
from ats.domain.exports import ExportLink
from ats.domain.model import (
    AuditEvent,
    DataKeyRow,
    DataSubject,
    LegalBasis,
    Purpose,
    Record,
    RecordType,
    Role,
    User,
)
from ats.ports import UnitOfWork
from storage.memory import MemoryUnitOfWork

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


BACKENDS = pytest.mark.parametrize(
    ("backend", "database_url"),
    [
        pytest.param("memory", "sqlite", id="memory"),
        pytest.param("piccolo", "sqlite", id="piccolo-sqlite"),
        pytest.param("piccolo", "postgresql", id="piccolo-postgresql"),
    ],
    indirect=["database_url"],
)


@pytest.fixture
def uow(request: pytest.FixtureRequest, backend: str, database_url: str) -> UnitOfWork:
    if backend == "memory":
        return MemoryUnitOfWork()
    return request.getfixturevalue("container").deps.uow


def _record(application_id, record_type: RecordType, created_at: datetime) -> Record:  # type: ignore[no-untyped-def]
    rid = uuid4()
    return Record(
        id=rid, application_id=application_id, record_type=record_type, legal_basis=LegalBasis.LEGAL_OBLIGATION,
        purpose=Purpose.RECRUITMENT, data_subject=DataSubject.JOB_APPLICANT, jurisdiction="GB",
        retention_rule="created+P7D", expires_on="2026-03-08", object_key=f"applications/{application_id}/x/{rid}",
        content_type="application/zip", filename="e.zip", size=1, sha256="0" * 64, created_at=created_at, version_id="v",
    )


@BACKENDS
async def test_export_repository_contract(uow: UnitOfWork) -> None:
    app, other = uuid4(), uuid4()
    user = User(uuid4(), f"u{uuid4().hex[:6]}@example.com", Role.HIRING_MANAGER, "x", T0)
    old, new, cv = _record(app, RecordType.EXPORT, T0), _record(app, RecordType.EXPORT, T0 + timedelta(days=3)), _record(app, RecordType.CV, T0)
    link = ExportLink(uuid4(), old.id, app, T0)
    async with uow.transaction() as tx:
        await tx.add_user(user)
        await tx.add_records([old, new, cv])
        await tx.add_export_link(link)
        await tx.append_audit(
            [
                AuditEvent(actor=f"user:{user.id}", action="application.viewed", at=T0, application_id=app),
                AuditEvent(actor="system", action="position.created", at=T0, application_id=app),
                AuditEvent(actor="system", action="application.viewed", at=T0, application_id=other),
            ]
        )
    repo = uow.repo
    found = await repo.audit_for_applications([app], {"application.viewed", "record.downloaded"})
    assert [(e.actor, e.action) for e in found] == [(f"user:{user.id}", "application.viewed")]
    assert await repo.audit_for_applications([], {"application.viewed"}) == []
    assert await repo.staff_roles([user.id, uuid4()]) == {user.id: ("hiring_manager", user.email)}
    assert (await repo.get_export_link(link.id)) == link
    async with uow.transaction() as tx:
        assert await tx.use_export_link(link.id, T0 + timedelta(hours=1)) is True
    async with uow.transaction() as tx:
        assert await tx.use_export_link(link.id, T0 + timedelta(hours=2)) is False
        assert await tx.use_export_link(uuid4(), T0) is False
    assert (await repo.get_export_link(link.id)).used_at == T0 + timedelta(hours=1)
    due = await repo.exports_created_before(T0 + timedelta(days=1), 10)
    assert [r.id for r in due] == [old.id]  # not the newer export, never the CV
    async with uow.transaction() as tx:
        await tx.delete_exports([old.id, cv.id])  # a non-export id is left alone
    assert await repo.get_record(old.id) is None and await repo.get_export_link(link.id) is None
    assert await repo.get_record(cv.id) is not None and await repo.get_record(new.id) is not None


@BACKENDS
async def test_export_scope_and_the_link_used_with_its_event(uow: UnitOfWork) -> None:
    """The download's one read (link, record, data key) and its one write (the link used and
    the event appended together, or nothing when the link was used)."""
    keyed, shredded = uuid4(), uuid4()
    export, orphan_export = _record(keyed, RecordType.EXPORT, T0), _record(shredded, RecordType.EXPORT, T0)
    key = DataKeyRow(keyed, b"\x00wrapped\xff", "kms-key", T0)
    link, orphan = ExportLink(uuid4(), export.id, keyed, T0), ExportLink(uuid4(), orphan_export.id, shredded, T0)
    dangling = ExportLink(uuid4(), uuid4(), keyed, T0)  # its record is gone (purged)
    async with uow.transaction() as tx:
        await tx.add_records([export, orphan_export])
        await tx.add_data_key(key)
        for each in (link, orphan, dangling):
            await tx.add_export_link(each)
    repo = uow.repo
    found = await repo.export_scope(link.id)
    assert found is not None and found.link == link and found.record == export and found.data_key == key
    assert (await repo.export_scope(orphan.id)).data_key is None  # the key destroyed: unreadable
    assert await repo.export_scope(dangling.id) is None
    assert await repo.export_scope(uuid4()) is None

    def event(n: int) -> AuditEvent:
        return AuditEvent(actor="candidate", action="export.downloaded", at=T0, application_id=keyed,
                          record_id=export.id, details={"n": n})

    head = len(await repo.list_audit())
    first = await asyncio.gather(*(uow.use_export_link_audited(link.id, T0 + timedelta(hours=n), [event(n)])
                                   for n in (1, 2)))
    assert sorted(first) == [False, True]  # two at once: one wins
    assert await uow.use_export_link_audited(link.id, T0 + timedelta(hours=3), [event(3)]) is False
    assert await uow.use_export_link_audited(uuid4(), T0, [event(4)]) is False
    events = (await repo.list_audit())[head:]
    assert len(events) == 1 and events[0].action == "export.downloaded" and events[0].details["n"] in (1, 2)
    used = (await repo.get_export_link(link.id)).used_at
    assert used == T0 + timedelta(hours=events[0].details["n"])  # the winner's time with the winner's event
    assert audit_chain.verify(await repo.list_audit()) is None
