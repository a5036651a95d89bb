"""The audit trail read and proven, on the in-memory fakes (ats.services.audit,
ats.domain.audit_checkpoints): the listing's filters and keyset paging, the role check, and each
tampering case `verify` must catch, naming the first bad sequence number."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ats.domain import audit as audit_chain
from ats.domain import audit_checkpoints as cps
from ats.domain.actors import SYSTEM, staff
from ats.domain.errors import NotFound, ValidationError
from ats.domain.model import AuditEvent, Role
from ats.ports_audit import AuditSeal
from ats.services import audit
from ats.services.deps import Deps
from storage.memory import FixedClock, MemoryBlobStore, MemoryKeyProvider, MemoryUnitOfWork
from storage.memory_audit import MemoryCheckpointStore, MemorySigner
from storage.vault import RecordVault

OFFICER = staff(uuid.uuid4(), Role.PRIVACY_OFFICER)
NOW = datetime(2027, 1, 31, 10, 0, tzinfo=UTC)
APP = uuid.uuid4()


@pytest.fixture
def deps() -> Deps:
    clock = FixedClock(NOW)
    return Deps(
        uow=MemoryUnitOfWork(),
        vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore(clock=clock)),
        clock=clock,
        audit_seal=AuditSeal(MemorySigner(), MemoryCheckpointStore()),
    )


async def add(deps: Deps, n: int, **ids: object) -> None:
    events = [
        AuditEvent(actor="user:a" if i % 2 else "system", action="record.downloaded" if i % 3 == 0 else "application.viewed",
                   at=NOW + timedelta(minutes=len(deps.uow.repo.audit) + i), details={"n": i}, **ids)  # type: ignore[arg-type]
        for i in range(n)
    ]
    await deps.uow.repo.append_audit(events)


def rehash_from(events: list[AuditEvent], index: int) -> None:
    """What someone with database access does: edit, then recompute every later hash."""
    prev = events[index - 1].hash if index else audit_chain.GENESIS
    for event in events[index:]:
        event.prev_hash = prev
        event.hash = hashlib.sha256(audit_chain.canonical(event)).hexdigest()
        prev = event.hash


async def sealed(deps: Deps) -> None:
    """30 events and three checkpoints: at seq 10, 20 and 30."""
    for _ in range(3):
        await add(deps, 10)
        await audit.checkpoint(deps)


async def test_untouched_chain_verifies(deps: Deps) -> None:
    await sealed(deps)
    report = await audit.verify(deps, page=7)
    assert report.ok, report.problems
    assert (report.events, report.head_seq, report.checkpoints) == (30, 30, 3)


async def test_an_edited_event_is_named(deps: Deps) -> None:
    await sealed(deps)
    deps.uow.repo.audit[14].details = {"n": 99}
    report = await audit.verify(deps, page=7)
    assert (report.first_bad_seq, report.problems[0].kind) == (15, "edited")


async def test_a_recomputed_chain_is_caught_by_the_next_checkpoint(deps: Deps) -> None:
    await sealed(deps)
    events = deps.uow.repo.audit
    events[14].details = {"n": 99}
    rehash_from(events, 14)
    report = await audit.verify(deps)
    # Hashes are consistent; checkpoint 2 (seq 20) no longer matches: events 11..20 unproven.
    assert (report.problems[0].kind, report.problems[0].seq, report.problems[0].checkpoint) == ("recomputed", 11, 2)


async def test_truncation_below_the_latest_checkpoint(deps: Deps) -> None:
    await sealed(deps)
    del deps.uow.repo.audit[25:]
    report = await audit.verify(deps)
    assert (report.first_bad_seq, report.problems[0].kind) == (26, "truncated")


async def test_a_deleted_checkpoint_leaves_a_gap(deps: Deps) -> None:
    await sealed(deps)
    assert deps.audit_seal is not None
    store = deps.audit_seal.store
    assert isinstance(store, MemoryCheckpointStore)
    store.delete(cps.object_key(2))
    report = await audit.verify(deps)
    assert (report.first_bad_seq, report.problems[0].kind, report.problems[0].checkpoint) == (11, "checkpoint_missing", 2)
    assert ("checkpoint_deleted", 11, 2) in [(p.kind, p.seq, p.checkpoint) for p in report.problems]


async def test_a_deleted_newest_checkpoint_is_found_even_once_its_number_is_taken_again(deps: Deps) -> None:
    """No gap in the numbers: the next checkpoint takes number 3 again and links to 2. The
    bucket's history (a delete marker, a second version) still shows it."""
    await sealed(deps)
    assert deps.audit_seal is not None
    store = deps.audit_seal.store
    assert isinstance(store, MemoryCheckpointStore)
    store.delete(cps.object_key(3))
    events = deps.uow.repo.audit
    events[24].details = {"n": 99}
    rehash_from(events, 24)  # the chain after checkpoint 2 rewritten, then sealed anew
    await add(deps, 2)
    await audit.checkpoint(deps)
    assert store.list_keys() == [cps.object_key(n) for n in (1, 2, 3)]
    report = await audit.verify(deps)
    assert [(p.kind, p.seq, p.checkpoint) for p in report.problems] == [("checkpoint_deleted", 21, 3)]


async def test_events_waiting_hours_for_a_checkpoint_are_unproven(deps: Deps) -> None:
    await sealed(deps)
    await add(deps, 4)  # seq 31..34, after the newest checkpoint
    assert isinstance(deps.clock, FixedClock)
    deps.clock.advance(hours=2)  # the first of them is 1 h 30 min old: the hourly job may come
    assert (await audit.verify(deps)).ok
    deps.clock.advance(hours=1)
    report = await audit.verify(deps)
    assert [(p.kind, p.seq) for p in report.problems] == [("unsealed", 31)]
    await audit.checkpoint(deps)
    assert (await audit.verify(deps)).ok


async def test_a_bad_signature(deps: Deps) -> None:
    await sealed(deps)
    assert deps.audit_seal is not None
    store = deps.audit_seal.store
    assert isinstance(store, MemoryCheckpointStore)
    signed = cps.decode(store.objects[cps.object_key(3)])
    forged = cps.SignedCheckpoint(cps.Checkpoint(3, 30, "f" * 64, NOW, signed.checkpoint.prev), signed.signature, signed.key_id)
    store.overwrite(cps.object_key(3), cps.encode(forged))
    report = await audit.verify(deps)
    assert (report.first_bad_seq, report.problems[0].kind) == (21, "bad_signature")
    assert [(p.kind, p.checkpoint) for p in report.problems[1:]] == [("checkpoint_deleted", 3)]


async def test_checkpoints_number_on_and_chain_to_the_previous_signature(deps: Deps) -> None:
    await sealed(deps)
    assert deps.audit_seal is not None
    store = deps.audit_seal.store
    found = [cps.decode(store.get(k)) for k in store.list_keys()]
    assert [(s.checkpoint.number, s.checkpoint.seq) for s in found] == [(1, 10), (2, 20), (3, 30)]
    assert found[0].checkpoint.prev == audit_chain.GENESIS
    assert found[2].checkpoint.prev == cps.link(found[1].signature)


async def test_no_signing_key_means_no_checkpoint_and_verify_refuses(deps: Deps) -> None:
    deps.audit_seal = None
    assert (await audit.checkpoint(deps)).skipped
    with pytest.raises(audit.Unverifiable):
        await audit.verify(deps)


async def test_listing_filters_and_pages_by_seq(deps: Deps) -> None:
    other = uuid.uuid4()
    await add(deps, 5, application_id=APP)
    await add(deps, 5, application_id=other)
    await add(deps, 5, application_id=APP)
    where = audit.parse_filter(application=str(APP))
    first = await audit.list_events(deps, OFFICER, where, limit=4)
    assert [e.seq for e in first.events] == [1, 2, 3, 4] and first.next_after == 4
    second = await audit.list_events(deps, OFFICER, where, after=first.next_after, limit=4)
    assert [e.seq for e in second.events] == [5, 11, 12, 13] and second.next_after == 13
    third = await audit.list_events(deps, OFFICER, where, after=second.next_after, limit=4)
    assert [e.seq for e in third.events] == [14, 15] and third.next_after is None
    by_actor = await audit.list_events(deps, None, audit.parse_filter(actor="system", action="record.downloaded"))
    assert by_actor.events and all(e.actor == "system" and e.action == "record.downloaded" for e in by_actor.events)
    window = audit.parse_filter(since=(NOW + timedelta(minutes=3)).isoformat(), until=(NOW + timedelta(minutes=6)).isoformat())
    assert [e.seq for e in (await audit.list_events(deps, None, window)).events] == [4, 5, 6]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"application": "nope"}, "application"),
        ({"actor": "a b"}, "actor"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2027-01-02", "until": "2027-01-01"}, "until"),
    ],
)
def test_bad_filters_name_their_field(fields: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        audit.parse_filter(**fields)
    assert caught.value.field == field


async def test_bad_paging_and_other_roles(deps: Deps) -> None:
    with pytest.raises(ValidationError):
        await audit.list_events(deps, OFFICER, audit.AuditFilter(), limit="5000")
    for role in (Role.RECRUITER, Role.HIRING_MANAGER, Role.ADMIN):
        with pytest.raises(NotFound):
            await audit.list_events(deps, staff(uuid.uuid4(), role), audit.AuditFilter())
    with pytest.raises(NotFound):
        await audit.list_events(deps, SYSTEM, audit.AuditFilter())
