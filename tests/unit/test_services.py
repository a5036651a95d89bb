"""Unit tests of the use cases (ats.services) against the in-memory fakes of every port."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import pytest

from ats.domain import audit as audit_chain
from ats.domain import paging
from ats.domain.actors import CANDIDATE, SYSTEM, Actor, staff
from ats.domain.errors import (
    Conflict,
    NotFound,
    TooLarge,
    Unauthorized,
    ValidationError,
)
from ats.domain.model import (
    ApplicationStatus,
    LegalBasis,
    Position,
    PositionStatus,
    Purpose,
    RecordType,
    Role,
)
from ats.domain.records import tags_for
from ats.ports import Assignment, Duplicate
from ats.services import accounts, applications, positions
from ats.services.applications import Upload
from ats.services.deps import Deps
from storage import crypto
from storage.crypto import IntegrityError
from storage.memory import (
    FixedClock,
    MemoryBlobStore,
    MemoryKeyProvider,
    MemoryRepository,
    MemoryUnitOfWork,
)
from storage.vault import RecordVault
from tests.helpers import docx, pdf

NAME = "Grace Hopper-Testperson"
EMAIL = "grace.hopper@example.org"
PHONE = "+1 212 555 0199"
FIELDS: dict[str, object] = {
    "full_name": NAME,
    "email": EMAIL,
    "phone": PHONE,
    "country": "US",
    "privacy_notice_acknowledged": "true",
}
CV_TEXT = "UNIQUE-CV-MARKER-9c1e " * 20
LETTER_TEXT = "UNIQUE-LETTER-MARKER-4b2d"
PASSWORD = "correct horse battery staple"


@dataclass
class World:
    deps: Deps
    uow: MemoryUnitOfWork
    repo: MemoryRepository
    keys: MemoryKeyProvider
    blobs: MemoryBlobStore
    clock: FixedClock


def make_world(**deps_kwargs: Any) -> World:
    uow, keys, blobs, clock = MemoryUnitOfWork(), MemoryKeyProvider(), MemoryBlobStore(), FixedClock()
    deps = Deps(uow=uow, vault=RecordVault(keys, blobs), clock=clock, **deps_kwargs)
    return World(deps, uow, uow.repo, keys, blobs, clock)


@pytest.fixture
def world() -> World:
    return make_world()


def snapshot(w: World) -> dict[str, Any]:
    """Everything a rejected request must leave untouched (invariant 7)."""
    return {
        "state": copy.deepcopy(w.repo.state),
        "audit": copy.deepcopy(w.repo.audit),
        "objects": copy.deepcopy(w.blobs.objects),
        "key_calls": w.keys.calls,
    }


# The recruiter and hiring manager of these tests, assigned to every position new_position
# makes (DESIGN §8: staff see only the positions assigned to them).
RECRUITER = staff(uuid4(), Role.RECRUITER)
HIRING_MANAGER = staff(uuid4(), Role.HIRING_MANAGER)


async def new_position(w: World, title: str = "Engineer", jurisdiction: str = "US") -> Position:
    position = await positions.create_position(w.deps, SYSTEM, title=title, jurisdiction=jurisdiction)
    for actor in (RECRUITER, HIRING_MANAGER):
        assert actor.user_id is not None
        await w.repo.add_assignment(Assignment(position.id, actor.user_id, position.created_at))
    return position


async def submit(
    w: World,
    position: Position,
    *,
    cv: Upload | None = None,
    cover_letter: Upload | None = None,
    **changes: object,
) -> applications.Submitted:
    return await applications.submit_application(
        w.deps,
        position_id=position.id,
        fields={**FIELDS, **changes},
        cv=cv if cv is not None else Upload("my cv.pdf", pdf(CV_TEXT)),
        cover_letter=cover_letter,
    )


def recruiter() -> Actor:
    return RECRUITER


def _audit_has_no_personal_data(w: World) -> None:
    text = repr(w.repo.audit)
    for personal in (NAME, "Grace", "Hopper", EMAIL, "grace.hopper", "example.org", PHONE, "555 0199"):
        assert personal not in text
    assert "UNIQUE-CV-MARKER" not in text


# --- submit: success ----------------------------------------------------------------------------


async def test_submit_stores_person_application_key_records_and_one_audit_event(world: World) -> None:
    position = await new_position(world)
    audit_before = len(world.repo.audit)
    submitted = await submit(world, position)

    state = world.repo.state
    application = state["applications"][submitted.id]
    assert application.reference == submitted.reference and submitted.reference.startswith("APP-")
    assert application.position_id == position.id
    assert application.status is ApplicationStatus.SUBMITTED
    assert application.talent_pool_consent is False
    assert application.submitted_at == world.clock.now()

    (person,) = state["persons"].values()
    assert person.id == application.person_id
    assert (person.full_name, person.email, person.phone, person.country) == (NAME, EMAIL, PHONE, "US")

    key_row = state["data_keys"][submitted.id]
    assert key_row.kms_key_id == world.keys.key_id and key_row.wrapped_key
    assert world.keys.calls == 1

    (record,) = state["records"].values()
    assert record.application_id == submitted.id
    assert record.record_type is RecordType.CV
    assert record.legal_basis is LegalBasis.LEGITIMATE_INTERESTS
    assert record.purpose is Purpose.RECRUITMENT
    assert record.jurisdiction == "US"
    assert record.content_type == "application/pdf"
    assert record.filename == "my cv.pdf"
    assert record.size == len(pdf(CV_TEXT))
    assert record.sha256 == hashlib.sha256(pdf(CV_TEXT)).hexdigest()
    assert record.version_id

    new_events = world.repo.audit[audit_before:]
    assert [e.action for e in new_events] == ["application.submitted"]
    (event,) = new_events
    assert event.actor == "candidate"
    assert event.application_id == submitted.id and event.position_id == position.id
    assert event.details == {"records": 1, "talent_pool": False, "referees": 0}
    assert audit_chain.verify(world.repo.audit) is None
    _audit_has_no_personal_data(world)


async def test_blob_store_holds_ciphertext_with_the_records_tags_only(world: World) -> None:
    position = await new_position(world)
    submitted = await submit(
        world, position, cover_letter=Upload("letter.docx", docx(LETTER_TEXT)), talent_pool_consent="true"
    )
    records = {r.object_key: r for r in world.repo.state["records"].values()}
    assert len(records) == 3
    assert set(world.blobs.objects) == set(records)
    for key, versions in world.blobs.objects.items():
        (version,) = versions
        record = records[key]
        assert key.startswith(f"applications/{submitted.id}/")
        assert version["version_id"] == record.version_id
        assert version["tags"] == tags_for(record)
        body = version["body"]
        assert body.startswith(crypto.MAGIC)
        for plain in (
            CV_TEXT.encode(),
            LETTER_TEXT.encode(),
            b"%PDF",
            b"talent_pool",
            NAME.encode(),
            EMAIL.encode(),
        ):
            assert plain not in body
        stored = repr(version) + key
        assert NAME not in stored and EMAIL not in stored


async def test_talent_pool_consent_creates_a_consent_record(world: World) -> None:
    position = await new_position(world, jurisdiction="FR")
    submitted = await submit(world, position, talent_pool_consent="on")
    application = world.repo.state["applications"][submitted.id]
    assert application.talent_pool_consent is True
    by_type = {r.record_type: r for r in world.repo.state["records"].values()}
    assert set(by_type) == {RecordType.CV, RecordType.TALENT_POOL_CONSENT}
    consent = by_type[RecordType.TALENT_POOL_CONSENT]
    assert consent.legal_basis is LegalBasis.CONSENT
    assert consent.purpose is Purpose.TALENT_POOL
    assert consent.jurisdiction == "FR"
    assert consent.content_type == "application/json"
    assert world.repo.audit[-1].details == {"records": 2, "talent_pool": True, "referees": 0}
    # The consent document itself decrypts to a statement about the consent, not personal data.
    _, content = await applications.read_document(world.deps, recruiter(), consent.id)
    statement = json.loads(content)
    assert statement["consent"] == "talent_pool"
    assert statement["application"] == str(submitted.id)
    assert EMAIL not in content.decode() and NAME not in content.decode()


@pytest.mark.parametrize("value", [None, "false", "", "0"])
async def test_no_talent_pool_record_without_consent(world: World, value: object) -> None:
    position = await new_position(world)
    await submit(world, position, talent_pool_consent=value)
    assert {r.record_type for r in world.repo.state["records"].values()} == {RecordType.CV}


async def test_cover_letter_is_optional_and_stored_when_given(world: World) -> None:
    position = await new_position(world)
    without = await submit(world, position)
    other = await new_position(world, title="Other")
    with_letter = await submit(world, other, cover_letter=Upload("letter.txt", LETTER_TEXT.encode()))
    records = list(world.repo.state["records"].values())
    assert {r.record_type for r in records if r.application_id == without.id} == {RecordType.CV}
    letters = [r for r in records if r.application_id == with_letter.id]
    assert {r.record_type for r in letters} == {RecordType.CV, RecordType.COVER_LETTER}
    letter = next(r for r in letters if r.record_type is RecordType.COVER_LETTER)
    assert letter.legal_basis is LegalBasis.LEGITIMATE_INTERESTS
    assert letter.content_type == "text/plain" and letter.filename == "letter.txt"


# --- submit: every rejection changes nothing ----------------------------------------------------

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script>CV</body></html>"

REJECTIONS: dict[str, tuple[dict[str, Any], type[Exception], str | None, str | None]] = {
    # name: (submit kwargs, error class, field, code)
    "ack-missing": (
        {"privacy_notice_acknowledged": None},
        ValidationError,
        "privacy_notice_acknowledged",
        None,
    ),
    "ack-false": (
        {"privacy_notice_acknowledged": "false"},
        ValidationError,
        "privacy_notice_acknowledged",
        None,
    ),
    "ack-empty": ({"privacy_notice_acknowledged": ""}, ValidationError, "privacy_notice_acknowledged", None),
    "ack-zero": ({"privacy_notice_acknowledged": "0"}, ValidationError, "privacy_notice_acknowledged", None),
    "bad-email": ({"email": "grace-at-example.org"}, ValidationError, "email", None),
    "no-name": ({"full_name": "  "}, ValidationError, "full_name", None),
    "bad-country": ({"country": "XX"}, ValidationError, "country", None),
    "bad-phone": ({"phone": "call me"}, ValidationError, "phone", None),
    "empty-cv": ({"cv": Upload("cv.pdf", b"")}, ValidationError, "cv", "empty"),
    "renamed-executable": ({"cv": Upload("cv.pdf", ELF)}, ValidationError, "cv", "unsupported_type"),
    "windows-executable": (
        {"cv": Upload("cv.docx", b"MZ\x90\x00" + b"\x00" * 60)},
        ValidationError,
        "cv",
        "unsupported_type",
    ),
    "html-cv": ({"cv": Upload("cv.txt", HTML)}, ValidationError, "cv", "unsupported_type"),
    "bad-cover-letter": (
        {"cover_letter": Upload("letter.pdf", ELF)},
        ValidationError,
        "cover_letter",
        "unsupported_type",
    ),
    "empty-cover-letter": (
        {"cover_letter": Upload("letter.pdf", b"")},
        ValidationError,
        "cover_letter",
        "empty",
    ),
}


@pytest.mark.parametrize("case", sorted(REJECTIONS))
async def test_rejection_raises_and_changes_nothing(world: World, case: str) -> None:
    kwargs, error, field, code = REJECTIONS[case]
    position = await new_position(world)
    before = snapshot(world)
    with pytest.raises(error) as info:
        await submit(world, position, **kwargs)
    assert info.value.field == field
    if code is not None:
        assert info.value.code == code
    assert snapshot(world) == before
    assert world.keys.calls == 0  # no data key is generated for bad input


async def test_missing_cv_is_refused_and_changes_nothing(world: World) -> None:
    position = await new_position(world)
    before = snapshot(world)
    with pytest.raises(ValidationError) as info:
        await applications.submit_application(world.deps, position_id=position.id, fields=FIELDS, cv=None)
    assert (info.value.field, info.value.code) == ("cv", "missing")
    assert snapshot(world) == before


async def test_oversize_cv_is_refused_and_changes_nothing() -> None:
    world = make_world(max_upload_bytes=1024)
    position = await new_position(world)
    before = snapshot(world)
    with pytest.raises(TooLarge) as info:
        await submit(world, position, cv=Upload("cv.pdf", pdf("x" * 2000)))
    assert (info.value.field, info.value.code) == ("cv", "too_large")
    assert snapshot(world) == before
    # Just under the limit is fine.
    small = pdf("x" * 100)
    assert len(small) <= 1024
    await submit(world, position, cv=Upload("cv.pdf", small))


async def test_unknown_position_is_not_found_and_changes_nothing(world: World) -> None:
    await new_position(world)
    before = snapshot(world)
    with pytest.raises(NotFound):
        await applications.submit_application(
            world.deps, position_id=uuid4(), fields=FIELDS, cv=Upload("cv.pdf", pdf(CV_TEXT))
        )
    assert snapshot(world) == before


@pytest.mark.parametrize("status", [PositionStatus.CLOSED, PositionStatus.FILLED, PositionStatus.CANCELLED])
async def test_concluded_position_is_a_conflict_and_changes_nothing(
    world: World, status: PositionStatus
) -> None:
    position = await new_position(world)
    world.repo.state["positions"][position.id].status = status
    before = snapshot(world)
    with pytest.raises(Conflict) as info:
        await submit(world, position)
    assert info.value.code == "position_closed"
    assert snapshot(world) == before


async def test_closed_position_is_checked_before_the_fields(world: World) -> None:
    # A closed position answers "closed" even for bad input, and still changes nothing.
    position = await new_position(world)
    world.repo.state["positions"][position.id].status = PositionStatus.CLOSED
    before = snapshot(world)
    with pytest.raises(Conflict):
        await submit(world, position, email="bad", cv=Upload("cv.pdf", b""))
    assert snapshot(world) == before


# --- duplicates and people --------------------------------------------------------------------


async def test_duplicate_application_is_answered_alike_and_stores_nothing_new(world: World) -> None:
    # Issue 9 #10: the public answer does not tell whether the address has applied.
    position = await new_position(world)
    first = await submit(world, position)
    before = snapshot(world)
    again = await submit(world, position, email="  Grace.Hopper@EXAMPLE.org ", full_name="Someone Else")
    assert again.id != first.id and len(again.reference) == len(first.reference)
    after = snapshot(world)
    assert after["objects"] == before["objects"]
    for table in ("persons", "applications", "data_keys", "records"):
        assert after["state"][table] == before["state"][table]
    events = after["audit"][len(before["audit"]) :]
    (event,) = [e for e in events if e.action == "application.duplicate_received"]
    assert (event.application_id, event.details) == (first.id, {})
    assert "mail.delivered" in [e.action for e in events]  # the address on file was told
    (notice,) = world.deps.mail.mailer.sent
    assert notice.to == EMAIL.lower() and first.reference in notice.body
    assert "Someone Else" not in notice.body  # nothing of the second upload is repeated


async def test_same_email_to_another_position_gets_its_own_person(world: World) -> None:
    first, second = await new_position(world, "First"), await new_position(world, "Second")
    a = await submit(world, first)
    b = await submit(world, second, email=EMAIL.upper(), full_name="G. Hopper")
    assert len(world.repo.state["persons"]) == 2  # never merged into someone else's row
    apps = world.repo.state["applications"]
    assert apps[a.id].person_id != apps[b.id].person_id
    assert a.reference != b.reference
    # Each application has its own data key.
    assert world.repo.state["data_keys"][a.id].wrapped_key != world.repo.state["data_keys"][b.id].wrapped_key


async def test_failure_inside_the_transaction_deletes_written_objects(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    position = await new_position(world)
    before = snapshot(world)

    async def boom(self: MemoryRepository, records: list) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(MemoryRepository, "add_records", boom)
    with pytest.raises(RuntimeError, match="database went away"):
        await submit(
            world, position, cover_letter=Upload("l.txt", LETTER_TEXT.encode()), talent_pool_consent="1"
        )
    after = snapshot(world)
    assert after["objects"] == {}  # compensation removed every version written
    assert after["state"] == before["state"]  # no person, application, key or record row
    assert after["audit"] == before["audit"]


async def test_duplicate_raised_by_the_database_is_answered_alike_and_objects_are_deleted(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A concurrent submission that wins the race: the lookup saw nothing, the transaction's
    # unique check fires; the late upload's objects are deleted and the answer is the same.
    position = await new_position(world)
    await submit(world, position)
    before = snapshot(world)
    real_lookup, calls = MemoryRepository.intake_lookup, []

    async def stale_first(self: MemoryRepository, position_id: UUID, email: str) -> Any:
        calls.append(email)
        found = await real_lookup(self, position_id, email)
        return dataclasses.replace(found, duplicate_of=None) if len(calls) == 1 else found

    monkeypatch.setattr(MemoryRepository, "intake_lookup", stale_first)
    answer = await submit(world, position, full_name="Someone Else")
    assert answer.id not in world.repo.state["applications"]
    after = snapshot(world)
    assert after["objects"] == before["objects"]  # the late upload's versions are gone
    assert after["state"]["persons"] == before["state"]["persons"]
    assert "application.duplicate_received" in [e.action for e in after["audit"][len(before["audit"]) :]]


async def test_a_clash_that_is_not_a_duplicate_application_is_not_hidden(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    position = await new_position(world)
    before = snapshot(world)

    async def clash(self: MemoryRepository, application: Any) -> None:
        raise Duplicate("applications.reference")

    monkeypatch.setattr(MemoryRepository, "add_application", clash)
    with pytest.raises(Duplicate):
        await submit(world, position)
    after = snapshot(world)
    assert after["objects"] == {}
    assert after["state"] == before["state"] and after["audit"] == before["audit"]


async def test_failure_while_writing_objects_deletes_those_already_written(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    position = await new_position(world)
    before = snapshot(world)
    real_put = MemoryBlobStore.put
    calls = {"n": 0}

    def flaky_put(self: MemoryBlobStore, key: str, body: bytes, tags: Any) -> str:
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("S3 is unreachable")
        return real_put(self, key, body, tags)

    monkeypatch.setattr(MemoryBlobStore, "put", flaky_put)
    with pytest.raises(ConnectionError):
        await submit(world, position, cover_letter=Upload("l.txt", LETTER_TEXT.encode()))
    after = snapshot(world)
    assert calls["n"] == 2
    assert after["objects"] == {}
    assert after["state"] == before["state"] and after["audit"] == before["audit"]


# --- reading --------------------------------------------------------------------------------


async def _submitted_cv(world: World) -> tuple[applications.Submitted, Any]:
    position = await new_position(world)
    submitted = await submit(world, position)
    (record,) = world.repo.state["records"].values()
    return submitted, record


async def test_read_document_returns_plaintext_and_is_audited(world: World) -> None:
    submitted, record = await _submitted_cv(world)
    actor = recruiter()
    before = len(world.repo.audit)
    got, content = await applications.read_document(world.deps, actor, record.id)
    assert content == pdf(CV_TEXT)
    assert got.id == record.id
    (event,) = world.repo.audit[before:]
    assert event.action == "record.downloaded"
    assert event.actor == f"user:{actor.user_id}"
    assert (event.application_id, event.record_id) == (submitted.id, record.id)
    assert event.details == {"record_type": "cv"}
    assert audit_chain.verify(world.repo.audit) is None
    _audit_has_no_personal_data(world)


async def test_read_document_returns_nothing_unless_its_audit_event_is_stored(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The audit append runs while the object is fetched: a failed append still keeps the bytes back.
    _, record = await _submitted_cv(world)

    async def refused(events: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(world.uow, "append_audit_alone", refused)
    with pytest.raises(RuntimeError, match="audit store unavailable"):
        await applications.read_document(world.deps, recruiter(), record.id)


async def test_a_download_whose_object_fails_is_still_audited(world: World) -> None:
    # The authorised read is recorded even when the fetch then fails (a bad object): no read of a
    # document goes unaudited, and an attempt is kept rather than lost.
    _, record = await _submitted_cv(world)
    (stored,) = world.blobs.objects[record.object_key]
    stored["body"] = stored["body"][:-1] + bytes([stored["body"][-1] ^ 1])  # one bit of the tag flipped
    before = len(world.repo.audit)
    with pytest.raises(IntegrityError):
        await applications.read_document(world.deps, recruiter(), record.id)
    assert [e.action for e in world.repo.audit[before:]] == ["record.downloaded"]


@pytest.mark.parametrize("actor", [CANDIDATE, SYSTEM, Actor(kind="user", user_id=uuid4(), role=None)])
async def test_read_document_refuses_non_staff(world: World, actor: Actor) -> None:
    _, record = await _submitted_cv(world)
    before = snapshot(world)
    with pytest.raises(NotFound):  # 404, never 403: ids reveal nothing (DESIGN §8)
        await applications.read_document(world.deps, actor, record.id)
    assert snapshot(world) == before  # not even a key unwrap


async def test_read_document_of_an_unknown_record_is_not_found(world: World) -> None:
    await _submitted_cv(world)
    with pytest.raises(NotFound):
        await applications.read_document(world.deps, recruiter(), uuid4())


async def test_read_document_without_its_key_is_not_found(world: World) -> None:
    submitted, record = await _submitted_cv(world)
    del world.repo.state["data_keys"][submitted.id]  # crypto-shredded
    with pytest.raises(NotFound):
        await applications.read_document(world.deps, recruiter(), record.id)


async def test_view_application_is_audited(world: World) -> None:
    submitted, record = await _submitted_cv(world)
    actor = HIRING_MANAGER
    before = len(world.repo.audit)
    view = await applications.view_application(world.deps, actor, submitted.id)
    assert view.application.id == submitted.id
    assert view.person.email == EMAIL
    assert [r.id for r in view.records] == [record.id]
    (event,) = world.repo.audit[before:]
    assert event.action == "application.viewed"
    assert event.application_id == submitted.id and event.position_id == view.position.id
    assert event.actor == f"user:{actor.user_id}"
    _audit_has_no_personal_data(world)


async def test_view_application_refuses_a_candidate_and_unknown_ids(world: World) -> None:
    submitted, _ = await _submitted_cv(world)
    before = snapshot(world)
    with pytest.raises(NotFound):
        await applications.view_application(world.deps, CANDIDATE, submitted.id)
    assert snapshot(world) == before
    with pytest.raises(NotFound):
        await applications.view_application(world.deps, recruiter(), uuid4())


async def test_list_applications_is_audited_newest_first(world: World) -> None:
    position = await new_position(world)
    first = await submit(world, position)
    world.clock.advance(hours=1)
    second = await submit(world, position, email="other@example.org", full_name="Other Person")
    actor = recruiter()
    before = len(world.repo.audit)
    listed = await applications.list_applications(world.deps, actor, position.id)
    assert listed.position.id == position.id and listed.next is None
    rows = listed.rows
    assert [a.id for a, _ in rows] == [second.id, first.id]
    assert [p.email for _, p in rows] == ["other@example.org", EMAIL]
    (event,) = world.repo.audit[before:]
    assert event.action == "position.applications_listed"
    assert event.position_id == position.id and event.details == {"count": 2}
    _audit_has_no_personal_data(world)


async def test_list_applications_refuses_non_staff_and_unknown_positions(world: World) -> None:
    position = await new_position(world)
    with pytest.raises(NotFound):
        await applications.list_applications(world.deps, CANDIDATE, position.id)
    with pytest.raises(NotFound):
        await applications.list_applications(world.deps, recruiter(), uuid4())


async def test_list_applications_pages_cover_every_application_once(world: World) -> None:
    position = await new_position(world)
    ids = []
    for i in range(7):
        if i != 3:  # two applications in the same instant: the id breaks the tie
            world.clock.advance(minutes=1)
        ids.append((await submit(world, position, email=f"p{i}@example.org")).id)
    seen: list[UUID] = []
    after = None
    pages = 0
    while True:
        listed = await applications.list_applications(world.deps, recruiter(), position.id, after=after, limit="3")
        seen += [a.id for a, _ in listed.rows]
        pages += 1
        if listed.next is None:
            break
        after = listed.next
    assert pages == 3 and len(seen) == 7 and set(seen) == set(ids)
    stamps = [(a.submitted_at, a.id) for a, _ in (await world.repo.list_applications(position.id))]
    assert stamps == sorted(stamps, reverse=True)
    assert seen == [i for _, i in stamps]


async def test_empty_page_parameters_mean_the_first_page_at_the_default_size(world: World) -> None:
    # A form or a client that sends `?after=&limit=` asks for nothing in particular.
    position = await new_position(world)
    for i in range(paging.DEFAULT_LIMIT + 1):
        world.clock.advance(seconds=1)
        await submit(world, position, email=f"e{i}@example.org")
    listed = await applications.list_applications(world.deps, recruiter(), position.id, after="", limit="")
    assert len(listed.rows) == paging.DEFAULT_LIMIT and listed.next is not None
    assert listed.rows[0][1].email == f"e{paging.DEFAULT_LIMIT}@example.org"  # the newest


@pytest.mark.parametrize(
    ("after", "limit", "field"),
    [
        ("not-a-marker", None, "after"),
        ("bm90fGEgbWFya2Vy", None, "after"),  # base64 of "not|a marker"
        ("MjAyNi0wMS0wMVQwMDowMDowMHw5YjZj", None, "after"),  # a time without its zone, a bad id
        ("<script>", None, "after"),
        ("x" * 500, None, "after"),
        (12, None, "after"),
        (None, "0", "limit"),
        (None, "201", "limit"),
        (None, "-1", "limit"),
        (None, "ten", "limit"),
        (None, "１０", "limit"),  # fullwidth digits
        (None, "9" * 50, "limit"),
    ],
)
async def test_list_applications_refuses_bad_page_parameters(
    world: World, after: object, limit: object, field: str
) -> None:
    position = await new_position(world)
    before = len(world.repo.audit)
    with pytest.raises(ValidationError) as info:
        await applications.list_applications(world.deps, recruiter(), position.id, after=after, limit=limit)
    assert info.value.field == field
    assert len(world.repo.audit) == before


# --- accounts ---------------------------------------------------------------------------------

STAFF_EMAIL = "Recruiter.One@Example.com"


async def test_create_user_stores_a_hash_and_audits_without_email(world: World) -> None:
    user = await accounts.create_user(world.deps, email=STAFF_EMAIL, role="recruiter", password=PASSWORD)
    assert user.email == STAFF_EMAIL.lower()
    assert user.role is Role.RECRUITER
    stored = world.repo.state["users"][user.id]
    assert PASSWORD not in stored.password_hash and stored.password_hash.startswith("$argon2id$")
    event = world.repo.audit[-1]
    assert event.action == "user.created"
    assert event.details == {"user": str(user.id), "role": "recruiter"}
    assert STAFF_EMAIL.lower() not in repr(world.repo.audit) and "Recruiter.One" not in repr(world.repo.audit)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"password": "short"}, "password"),
        ({"password": "x" * (accounts.MIN_PASSWORD - 1)}, "password"),
        ({"role": "superuser"}, "role"),
        ({"role": ""}, "role"),
        ({"role": "Recruiter"}, "role"),
        ({"email": "no-at-sign"}, "email"),
        ({"email": "@example.com"}, "email"),
    ],
)
async def test_create_user_refuses_bad_input(world: World, kwargs: dict[str, str], field: str) -> None:
    before = snapshot(world)
    with pytest.raises(ValidationError) as info:
        await accounts.create_user(
            world.deps, **{"email": STAFF_EMAIL, "role": "recruiter", "password": PASSWORD, **kwargs}
        )
    assert info.value.field == field
    assert snapshot(world) == before


async def test_create_user_duplicate_email_is_a_conflict(world: World) -> None:
    await accounts.create_user(world.deps, email=STAFF_EMAIL, role="recruiter", password=PASSWORD)
    before = snapshot(world)
    with pytest.raises(Conflict) as info:
        await accounts.create_user(
            world.deps, email=" recruiter.one@example.COM ", role="admin", password=PASSWORD
        )
    assert info.value.field == "email"
    assert snapshot(world) == before


async def test_authenticate_with_the_right_password(world: World) -> None:
    user = await accounts.create_user(
        world.deps, email=STAFF_EMAIL, role="privacy_officer", password=PASSWORD
    )
    actor = await accounts.authenticate(world.deps, email=" recruiter.one@EXAMPLE.com", password=PASSWORD)
    assert (actor.kind, actor.user_id, actor.role) == ("user", user.id, Role.PRIVACY_OFFICER)
    event = world.repo.audit[-1]
    assert event.action == "user.login" and event.actor == f"user:{user.id}"
    assert "recruiter.one" not in repr(world.repo.audit).lower()


@pytest.mark.parametrize("password", ["wrong password!!", "", PASSWORD.upper(), PASSWORD + " "])
async def test_authenticate_with_a_wrong_password_is_refused_and_audited(world: World, password: str) -> None:
    user = await accounts.create_user(world.deps, email=STAFF_EMAIL, role="recruiter", password=PASSWORD)
    with pytest.raises(Unauthorized):
        await accounts.authenticate(world.deps, email=STAFF_EMAIL, password=password)
    event = world.repo.audit[-1]
    assert event.action == "user.login_failed"
    assert event.actor == "system"
    assert event.details == {"user": str(user.id)}
    assert "recruiter.one" not in repr(world.repo.audit).lower()
    assert audit_chain.verify(world.repo.audit) is None


async def test_authenticate_an_unknown_email_is_refused_and_audited(world: World) -> None:
    await accounts.create_user(world.deps, email=STAFF_EMAIL, role="recruiter", password=PASSWORD)
    with pytest.raises(Unauthorized) as info:
        await accounts.authenticate(world.deps, email="nobody@example.com", password=PASSWORD)
    event = world.repo.audit[-1]
    assert event.action == "user.login_failed"
    assert event.details == {"user": None}
    assert "nobody" not in repr(world.repo.audit)
    # The same message whether the account exists or not.
    with pytest.raises(Unauthorized) as wrong:
        await accounts.authenticate(world.deps, email=STAFF_EMAIL, password="wrong password!!")
    assert info.value.message == wrong.value.message


async def test_authenticate_an_inactive_user_is_refused(world: World) -> None:
    user = await accounts.create_user(world.deps, email=STAFF_EMAIL, role="admin", password=PASSWORD)
    world.repo.state["users"][user.id].active = False
    with pytest.raises(Unauthorized):
        await accounts.authenticate(world.deps, email=STAFF_EMAIL, password=PASSWORD)
    assert world.repo.audit[-1].action == "user.login_failed"


async def test_issue_token_and_actor_for_token_round_trip(world: World) -> None:
    user = await accounts.create_user(world.deps, email=STAFF_EMAIL, role="hiring_manager", password=PASSWORD)
    token = await accounts.issue_token(world.deps, email=STAFF_EMAIL)
    assert token.startswith("ats_") and len(token) > 40
    # Only a hash of the token is kept.
    assert token not in world.repo.state["tokens"]
    assert token not in repr(world.repo.state) and token not in repr(world.repo.audit)
    actor = await accounts.actor_for_token(world.deps, token)
    assert (actor.kind, actor.user_id, actor.role) == ("user", user.id, Role.HIRING_MANAGER)
    assert world.repo.audit[-1].action == "user.token_issued"
    other = await accounts.issue_token(world.deps, email=STAFF_EMAIL)
    assert other != token
    assert (await accounts.actor_for_token(world.deps, other)).user_id == user.id


@pytest.mark.parametrize("mangle", [lambda t: t + "x", lambda t: t[:-1], lambda t: "", lambda t: t.upper()])
async def test_bad_token_is_unauthorized(world: World, mangle: Any) -> None:
    await accounts.create_user(world.deps, email=STAFF_EMAIL, role="recruiter", password=PASSWORD)
    token = await accounts.issue_token(world.deps, email=STAFF_EMAIL)
    with pytest.raises(Unauthorized):
        await accounts.actor_for_token(world.deps, mangle(token))


async def test_token_of_an_inactive_user_is_unauthorized(world: World) -> None:
    user = await accounts.create_user(world.deps, email=STAFF_EMAIL, role="recruiter", password=PASSWORD)
    token = await accounts.issue_token(world.deps, email=STAFF_EMAIL)
    world.repo.state["users"][user.id].active = False
    with pytest.raises(Unauthorized):
        await accounts.actor_for_token(world.deps, token)


async def test_issue_token_for_an_unknown_email_is_refused(world: World) -> None:
    before = snapshot(world)
    with pytest.raises(ValidationError):
        await accounts.issue_token(world.deps, email="nobody@example.com")
    assert snapshot(world) == before
