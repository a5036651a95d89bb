"""Contract tests: one suite per port, run against the in-memory fake and the real adapter.

BlobStore: MemoryBlobStore vs S3BlobStore on the emulator. KeyProvider: MemoryKeyProvider vs
KmsKeyProvider and the HierarchicalKeyProvider keyring on the emulator. Repository / UnitOfWork: MemoryUnitOfWork vs PiccoloUnitOfWork
on SQLite and PostgreSQL. If the fake and the adapter ever disagree, a test here fails.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

import pytest

from ats.domain import audit as audit_chain
from ats.domain.model import (
    Application,
    ApplicationStatus,
    AuditEvent,
    DataKeyRow,
    Person,
    Position,
    PositionStatus,
    Record,
    RecordType,
    Role,
    User,
)
from ats.domain.paging import Marker
from ats.domain.records import new_record, tags_for
from ats.domain.tokens import ApiToken
from ats.ports import BlobMissing, BlobStore, Duplicate, KeyAccessDenied, KeyProvider, UnitOfWork
from storage.keyring import HierarchicalKeyProvider
from storage.kms import KmsKeyProvider
from storage.memory import MemoryBlobStore, MemoryKeyProvider, MemoryUnitOfWork
from storage.s3 import S3BlobStore

# --- BlobStore ----------------------------------------------------------------------------------


@pytest.fixture(params=["memory", "s3"])
def blobs(request: pytest.FixtureRequest) -> BlobStore:
    if request.param == "memory":
        return MemoryBlobStore()
    env = request.getfixturevalue("s3env")
    return S3BlobStore(env.s3, env.bucket, env.kms_key_id)


def _tags(application: UUID | None = None) -> dict[str, str]:
    record = new_record(
        record_id=uuid4(),
        application_id=application or uuid4(),
        record_type=RecordType.CV,
        jurisdiction="US-NY-NYC",
        content_type="application/pdf",
        filename="cv.pdf",
        size=1,
        sha256="0" * 64,
        now=datetime(2026, 1, 5, tzinfo=UTC),
    )
    return tags_for(record)


def _key(prefix: str = "applications") -> str:
    return f"{prefix}/{uuid4()}/cv/{uuid4()}"


def test_blob_put_returns_distinct_version_ids(blobs: BlobStore) -> None:
    key = _key()
    versions = [blobs.put(key, f"body {i}".encode(), _tags()) for i in range(3)]
    versions.append(blobs.put(_key(), b"other", _tags()))
    assert all(isinstance(v, str) and v and v != "null" for v in versions)
    assert len(set(versions)) == 4


def test_blob_get_returns_the_exact_version(blobs: BlobStore) -> None:
    key = _key()
    body_1 = bytes(range(256)) * 4  # arbitrary binary, NULs included
    body_2 = b"second version"
    v1 = blobs.put(key, body_1, _tags())
    v2 = blobs.put(key, body_2, _tags())
    assert blobs.get(key, v1) == body_1
    assert blobs.get(key, v2) == body_2
    assert blobs.get(key, v1) == body_1  # the older version is still there


def test_blob_tags_equal_what_was_put(blobs: BlobStore) -> None:
    key = _key()
    tags = _tags()
    # Characters that need escaping in a Tagging header survive too.
    tags["retention"] = "hiring-concluded+P4Y"
    tags["extra"] = "a b=c/d:e@f+g_h.i-j"
    v1 = blobs.put(key, b"x", tags)
    v2 = blobs.put(key, b"y", {**tags, "expires-on": "2030-06-15"})
    assert blobs.get_tags(key, v1) == tags
    assert blobs.get_tags(key, v2) == {**tags, "expires-on": "2030-06-15"}


def test_blob_head_reports_sse_kms_and_size(blobs: BlobStore) -> None:
    key = _key()
    version = blobs.put(key, b"0123456789", _tags())
    info = blobs.head(key, version)
    assert info.server_side_encryption == "aws:kms"
    assert info.size == 10
    assert info.kms_key_id


def test_blob_more_than_ten_tags_is_refused_and_stores_nothing(blobs: BlobStore) -> None:
    prefix = f"applications/{uuid4()}/"
    key = prefix + "cv/x"
    too_many = {f"k{i}": f"v{i}" for i in range(11)}
    with pytest.raises(ValueError):
        blobs.put(key, b"secret body", too_many)
    assert blobs.list_versions(prefix) == []
    # Exactly ten is allowed.
    ten = {f"k{i}": f"v{i}" for i in range(10)}
    version = blobs.put(key, b"ok", ten)
    assert blobs.get_tags(key, version) == ten


def test_blob_list_versions_by_prefix(blobs: BlobStore) -> None:
    app_a, app_b = uuid4(), uuid4()
    a1 = f"applications/{app_a}/cv/1"
    a2 = f"applications/{app_a}/cover-letter/2"
    b1 = f"applications/{app_b}/cv/1"
    written_a = {(a1, blobs.put(a1, b"1", _tags(app_a))), (a1, blobs.put(a1, b"2", _tags(app_a)))}
    written_a.add((a2, blobs.put(a2, b"3", _tags(app_a))))
    written_b = {(b1, blobs.put(b1, b"4", _tags(app_b)))}
    found_a = blobs.list_versions(f"applications/{app_a}/")
    assert {(v.key, v.version_id) for v in found_a} == written_a
    assert len(found_a) == 3
    assert all(isinstance(v.last_modified, datetime) and v.last_modified.tzinfo for v in found_a)
    assert {(v.key, v.version_id) for v in blobs.list_versions(f"applications/{app_b}/")} == written_b
    assert blobs.list_versions(f"applications/{uuid4()}/") == []


def test_blob_delete_versions_removes_exactly_those(blobs: BlobStore) -> None:
    app = uuid4()
    prefix = f"applications/{app}/"
    k1, k2 = prefix + "cv/1", prefix + "cv/2"
    v1a = blobs.put(k1, b"1a", _tags(app))
    v1b = blobs.put(k1, b"1b", _tags(app))
    v2 = blobs.put(k2, b"2", _tags(app))
    other = _key()
    v_other = blobs.put(other, b"other", _tags())

    assert blobs.delete_versions([(k1, v1a)]) == []
    assert {(v.key, v.version_id) for v in blobs.list_versions(prefix)} == {(k1, v1b), (k2, v2)}
    assert blobs.get(k1, v1b) == b"1b"
    with pytest.raises(BlobMissing):
        blobs.get(k1, v1a)

    assert blobs.delete_versions([(k1, v1b), (k2, v2)]) == []
    assert blobs.list_versions(prefix) == []
    # Another object was not touched.
    assert blobs.get(other, v_other) == b"other"


def test_blob_delete_versions_of_nothing_is_fine(blobs: BlobStore) -> None:
    assert blobs.delete_versions([]) == []


def test_blob_get_of_a_missing_version_raises_blob_missing(blobs: BlobStore) -> None:
    key = _key()
    version = blobs.put(key, b"x", _tags())
    other = blobs.put(_key(), b"y", _tags())
    with pytest.raises(BlobMissing):
        blobs.get(_key(), version)  # no such key
    with pytest.raises(BlobMissing):
        blobs.get(key, other)  # a real version id, of another key
    with pytest.raises(BlobMissing):
        blobs.head(_key(), version)
    with pytest.raises(BlobMissing):
        blobs.get_tags(_key(), version)


# --- KeyProvider --------------------------------------------------------------------------------


@pytest.fixture(params=["memory", "kms", "keyring-kms"])
def keys(request: pytest.FixtureRequest) -> KeyProvider:
    if request.param == "memory":
        return MemoryKeyProvider()
    env = request.getfixturevalue("s3env")
    kms = KmsKeyProvider(env.kms, env.kms_key_id)
    # The app's own provider: the hierarchical keyring over the emulator's KMS.
    return HierarchicalKeyProvider(kms) if request.param == "keyring-kms" else kms


def _context(application: UUID | None = None) -> dict[str, str]:
    return {"purpose": "ats-application-data-key", "application": str(application or uuid4())}


def test_key_generate_returns_a_256_bit_key_and_a_wrapped_copy(keys: KeyProvider) -> None:
    key = keys.generate_data_key(_context())
    assert isinstance(key.plaintext, bytes) and len(key.plaintext) == 32
    assert isinstance(key.wrapped, bytes) and key.wrapped and key.plaintext not in key.wrapped
    assert key.key_id
    other = keys.generate_data_key(_context())
    assert other.plaintext != key.plaintext and other.wrapped != key.wrapped


def test_key_decrypt_with_the_same_context_round_trips(keys: KeyProvider) -> None:
    context = _context()
    key = keys.generate_data_key(context)
    assert keys.decrypt_data_key(key.wrapped, dict(context)) == key.plaintext
    # Order of the context's entries does not matter.
    reordered = dict(reversed(list(context.items())))
    assert keys.decrypt_data_key(key.wrapped, reordered) == key.plaintext


@pytest.mark.parametrize(
    "change",
    [
        lambda c: {**c, "application": str(uuid4())},  # another application's context
        lambda c: {**c, "purpose": "something-else"},
        lambda c: {"application": c["application"]},  # an entry missing
        lambda c: {**c, "extra": "1"},  # an entry added
        lambda c: {},
    ],
)
def test_key_decrypt_with_another_context_is_denied(keys: KeyProvider, change: Any) -> None:
    context = _context()
    key = keys.generate_data_key(context)
    with pytest.raises(KeyAccessDenied):
        keys.decrypt_data_key(key.wrapped, change(context))


# --- Repository / UnitOfWork --------------------------------------------------------------------

# ("backend", "database_url"): the memory fake once, the piccolo repository on both databases.
BACKENDS = pytest.mark.parametrize(
    ("backend", "database_url"),
    [
        pytest.param("memory", "sqlite", id="memory"),
        pytest.param("piccolo", "sqlite", id="piccolo-sqlite"),
        pytest.param("piccolo", "postgresql", id="piccolo-postgresql"),
    ],
    indirect=["database_url"],
)

T0 = datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def uow(request: pytest.FixtureRequest, backend: str, database_url: str) -> UnitOfWork:
    if backend == "memory":
        return MemoryUnitOfWork()
    return request.getfixturevalue("container").deps.uow


def _position(title: str = "Engineer", status: PositionStatus = PositionStatus.OPEN) -> Position:
    return Position(
        id=uuid4(),
        title=title,
        jurisdiction="US-CA",
        status=status,
        created_at=T0,
        concluded_at=T0 + timedelta(days=3) if status is not PositionStatus.OPEN else None,
    )


def _person(email: str | None = None) -> Person:
    return Person(
        id=uuid4(),
        email=email or f"p-{uuid4().hex[:8]}@example.com",
        full_name="Zoë Ñúñez 山田",
        phone="+33 1 23 45 67 89",
        country="FR",
        created_at=T0,
    )


def _application(person: Person, position: Position, submitted_at: datetime = T0, **kw: Any) -> Application:
    return Application(
        id=uuid4(),
        reference="APP-" + uuid4().hex[:10].upper(),
        position_id=position.id,
        person_id=person.id,
        status=ApplicationStatus.SUBMITTED,
        submitted_at=submitted_at,
        privacy_notice_version="2026-11-22",
        **kw,
    )


def _record(application: Application, record_type: RecordType = RecordType.CV, at: datetime = T0) -> Record:
    record = new_record(
        record_id=uuid4(),
        application_id=application.id,
        record_type=record_type,
        jurisdiction="US-CA",
        content_type="application/pdf",
        filename="José's CV.pdf",
        size=123456,
        sha256="ab" * 32,
        now=at,
    )
    record.version_id = "v-" + uuid4().hex
    return record


def _user(email: str | None = None, role: Role = Role.RECRUITER) -> User:
    return User(
        id=uuid4(),
        email=email or f"u-{uuid4().hex[:8]}@example.com",
        role=role,
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$abc$def",
        created_at=T0,
    )


def _event(action: str, **kw: Any) -> AuditEvent:
    return AuditEvent(actor="system", action=action, at=kw.pop("at", T0), **kw)


@BACKENDS
async def test_repo_positions(uow: UnitOfWork) -> None:
    b = _position("B engineer")
    a = _position("A analyst", PositionStatus.FILLED)
    c = _position("C chemist")
    async with uow.transaction() as tx:
        for p in (b, a, c):
            await tx.add_position(p)
    assert await uow.repo.get_position(a.id) == a
    assert await uow.repo.get_position(b.id) == b
    assert await uow.repo.get_position(uuid4()) is None
    assert [p.id for p in await uow.repo.list_positions(open_only=False)] == [a.id, b.id, c.id]
    assert [p.id for p in await uow.repo.list_positions(open_only=True)] == [b.id, c.id]


@BACKENDS
async def test_repo_persons(uow: UnitOfWork) -> None:
    person = _person()
    async with uow.transaction() as tx:
        await tx.add_person(person)
        await tx.add_person(_person())
    assert await uow.repo.get_person(person.id) == person
    assert await uow.repo.get_person_by_email(person.email) == person
    assert await uow.repo.get_person(uuid4()) is None
    assert await uow.repo.get_person_by_email("nobody@example.com") is None


@BACKENDS
async def test_repo_applications_and_find(uow: UnitOfWork) -> None:
    position, other_position = _position(), _position("Other")
    person = _person()
    application = _application(person, position, talent_pool_consent=True)
    async with uow.transaction() as tx:
        await tx.add_position(position)
        await tx.add_position(other_position)
        await tx.add_person(person)
        await tx.add_application(application)
    assert await uow.repo.get_application(application.id) == application
    assert await uow.repo.get_application(uuid4()) is None
    assert await uow.repo.find_application(person.id, position.id) == application
    assert await uow.repo.find_application(person.id, other_position.id) is None
    assert await uow.repo.find_application(uuid4(), position.id) is None


@BACKENDS
async def test_repo_list_applications_newest_first_with_their_person(uow: UnitOfWork) -> None:
    position, other_position = _position(), _position("Other")
    people = [_person() for _ in range(3)]
    apps = [
        _application(people[0], position, T0 + timedelta(hours=1)),
        _application(people[1], position, T0 + timedelta(hours=3)),
        _application(people[2], position, T0 + timedelta(hours=2)),
    ]
    elsewhere = _application(people[0], other_position, T0 + timedelta(hours=9))
    async with uow.transaction() as tx:
        await tx.add_position(position)
        await tx.add_position(other_position)
        for person in people:
            await tx.add_person(person)
        for application in [*apps, elsewhere]:
            await tx.add_application(application)
    rows = await uow.repo.list_applications(position.id)
    assert [a.id for a, _ in rows] == [apps[1].id, apps[2].id, apps[0].id]
    assert [(a, p) for a, p in rows] == [(apps[1], people[1]), (apps[2], people[2]), (apps[0], people[0])]
    assert await uow.repo.list_applications(uuid4()) == []


@BACKENDS
async def test_repo_list_applications_in_keyset_pages(uow: UnitOfWork) -> None:
    # Ties on submitted_at (same microsecond) are ordered by id; a marker starts strictly after
    # its row, so pages neither repeat nor skip one, on every backend.
    position = _position()
    people = [_person() for _ in range(7)]
    stamps = [T0, T0 + timedelta(seconds=1), T0 + timedelta(seconds=1), T0 + timedelta(microseconds=500),
              T0 + timedelta(seconds=2), T0 + timedelta(seconds=1), T0 + timedelta(hours=1)]
    apps = [_application(p, position, at) for p, at in zip(people, stamps, strict=True)]
    async with uow.transaction() as tx:
        await tx.add_position(position)
        for person in people:
            await tx.add_person(person)
        for application in apps:
            await tx.add_application(application)
    expected = [a.id for a in sorted(apps, key=lambda a: (a.submitted_at, a.id), reverse=True)]
    assert [a.id for a, _ in await uow.repo.list_applications(position.id)] == expected
    seen, after = [], None
    while True:
        page = await uow.repo.list_applications(position.id, limit=2, after=after)
        if not page:
            break
        seen += [a.id for a, _ in page]
        last = page[-1][0]
        after = Marker(at=last.submitted_at, id=last.id)
    assert seen == expected
    assert [a.id for a, _ in await uow.repo.list_applications(position.id, limit=3)] == expected[:3]


@BACKENDS
async def test_repo_records(uow: UnitOfWork) -> None:
    position, person = _position(), _person()
    application = _application(person, position)
    cv = _record(application, RecordType.CV, T0 + timedelta(seconds=1))
    letter = _record(application, RecordType.COVER_LETTER, T0 + timedelta(seconds=2))
    consent = _record(application, RecordType.TALENT_POOL_CONSENT, T0)
    other = _record(_application(person, _position()))
    async with uow.transaction() as tx:
        await tx.add_position(position)
        await tx.add_person(person)
        await tx.add_application(application)
        await tx.add_records([cv, letter, consent])
        await tx.add_records([other])
        await tx.add_records([])
    assert await uow.repo.get_record(cv.id) == cv
    assert await uow.repo.get_record(uuid4()) is None
    assert await uow.repo.list_records(application.id) == [consent, cv, letter]
    assert await uow.repo.list_records(uuid4()) == []


@BACKENDS
async def test_repo_data_keys(uow: UnitOfWork) -> None:
    application_id = uuid4()
    row = DataKeyRow(
        application_id=application_id,
        wrapped_key=bytes(range(256)),
        kms_key_id="arn:aws:kms:eu-west-2:123456789012:key/" + str(uuid4()),
        created_at=T0,
    )
    async with uow.transaction() as tx:
        await tx.add_data_key(row)
    got = await uow.repo.get_data_key(application_id)
    assert got == row and isinstance(got.wrapped_key, bytes)
    assert await uow.repo.get_data_key(uuid4()) is None


@BACKENDS
async def test_repo_users_and_tokens(uow: UnitOfWork) -> None:
    user = _user(role=Role.PRIVACY_OFFICER)
    other = _user()
    async with uow.transaction() as tx:
        await tx.add_user(user)
        await tx.add_user(other)
        await tx.add_token(_token(user, "a"))
        await tx.add_token(_token(other, "b"))
    assert await uow.repo.get_user(user.id) == user
    assert await uow.repo.get_user(uuid4()) is None
    assert await uow.repo.get_user_by_email(user.email) == user
    assert await uow.repo.get_user_by_email("nobody@example.com") is None
    assert (await uow.repo.get_token_by_hash("a" * 64)).user_id == user.id
    assert (await uow.repo.get_token_by_hash("b" * 64)).user_id == other.id
    assert await uow.repo.get_token_by_hash("c" * 64) is None


def _token(user: User, fill: str, *, created: datetime = T0, days: int = 90) -> ApiToken:
    return ApiToken(
        id=uuid4(),
        user_id=user.id,
        token_hash=fill * 64,
        created_at=created,
        expires_at=created + timedelta(days=days),
        hint=fill * 4,
    )


@BACKENDS
async def test_repo_token_lifecycle(uow: UnitOfWork) -> None:
    user, other = _user(), _user()
    first, second = _token(user, "a"), _token(user, "b", created=T0 + timedelta(minutes=1), days=1)
    theirs = _token(other, "c")
    async with uow.transaction() as tx:
        for u in (user, other):
            await tx.add_user(u)
        for tok in (second, first, theirs):
            await tx.add_token(tok)
    assert await uow.repo.get_token(first.id) == first
    assert await uow.repo.get_token(uuid4()) is None
    assert await uow.repo.list_tokens(user.id) == [first, second]
    at = T0 + timedelta(hours=1)
    async with uow.transaction() as tx:
        await tx.revoke_token(first.id, at)
        await tx.revoke_token(first.id, at + timedelta(hours=1))  # already revoked: kept
    assert (await uow.repo.get_token(first.id)).revoked_at == at
    async with uow.transaction() as tx:
        await tx.revoke_user_tokens(user.id, at + timedelta(hours=2))
        await tx.set_user_active(user.id, False)
    assert [t.revoked_at for t in await uow.repo.list_tokens(user.id)] == [at, at + timedelta(hours=2)]
    assert (await uow.repo.get_token(theirs.id)).revoked_at is None
    assert (await uow.repo.get_user(user.id)).active is False
    assert (await uow.repo.get_user(other.id)).active is True


async def _assert_nothing_from(uow: UnitOfWork, position: Position, person: Person) -> None:
    assert await uow.repo.get_position(position.id) is None
    assert await uow.repo.get_person(person.id) is None
    assert await uow.repo.get_person_by_email(person.email) is None
    assert await uow.repo.list_audit() == []


async def _duplicate_user(tx: Any, existing: Person) -> None:
    await tx.add_user(_user("dup@example.com"))
    await tx.add_user(_user("dup@example.com"))


async def _duplicate_application(tx: Any, existing: Person) -> None:
    position = _position()
    await tx.add_position(position)
    await tx.add_application(_application(existing, position))
    await tx.add_application(_application(existing, position))


async def _duplicate_reference(tx: Any, existing: Person) -> None:
    first = _application(existing, _position())
    second = dataclasses.replace(_application(existing, _position()), reference=first.reference)
    await tx.add_application(first)
    await tx.add_application(second)


async def _duplicate_object_key(tx: Any, existing: Person) -> None:
    record = _record(_application(existing, _position()))
    await tx.add_records([record])
    await tx.add_records([dataclasses.replace(record, id=uuid4())])


async def _duplicate_data_key(tx: Any, existing: Person) -> None:
    row = DataKeyRow(application_id=uuid4(), wrapped_key=b"k", kms_key_id="k", created_at=T0)
    await tx.add_data_key(row)
    await tx.add_data_key(dataclasses.replace(row, wrapped_key=b"other"))


@BACKENDS
@pytest.mark.parametrize(
    "violation",
    [
        _duplicate_user,
        _duplicate_application,
        _duplicate_reference,
        _duplicate_object_key,
        _duplicate_data_key,
    ],
    ids=lambda f: f.__name__.removeprefix("_duplicate_"),
)
async def test_repo_unique_violation_raises_duplicate_and_rolls_back(uow: UnitOfWork, violation: Any) -> None:
    existing = _person("taken@example.com")
    async with uow.transaction() as tx:
        await tx.add_person(existing)
    position, person = _position(), _person()
    with pytest.raises(Duplicate):
        async with uow.transaction() as tx:
            await tx.add_position(position)
            await tx.add_person(person)
            await tx.append_audit([_event("doomed")])
            await violation(tx, existing)
    # Nothing written in that transaction is left, and the earlier commit is intact.
    await _assert_nothing_from(uow, position, person)
    assert await uow.repo.get_person(existing.id) == existing
    assert await uow.repo.get_user_by_email("dup@example.com") is None
    # The unit of work is still usable afterwards.
    async with uow.transaction() as tx:
        await tx.add_position(position)
    assert await uow.repo.get_position(position.id) == position


@BACKENDS
async def test_repo_exception_inside_a_transaction_rolls_back(uow: UnitOfWork) -> None:
    position, person = _position(), _person()
    user = _user()
    with pytest.raises(RuntimeError, match="crash"):
        async with uow.transaction() as tx:
            await tx.add_position(position)
            await tx.add_person(person)
            await tx.add_user(user)
            await tx.add_token(_token(user, "t"))
            await tx.append_audit([_event("doomed")])
            raise RuntimeError("crash")
    await _assert_nothing_from(uow, position, person)
    assert await uow.repo.get_user(user.id) is None
    assert await uow.repo.get_token_by_hash("t" * 64) is None


@BACKENDS
async def test_repo_audit_chains_across_calls(uow: UnitOfWork) -> None:
    application_id, position_id, record_id = uuid4(), uuid4(), uuid4()
    now = datetime.now(UTC)  # microseconds must survive the round trip for the hash to hold
    async with uow.transaction() as tx:
        await tx.append_audit(
            [
                _event(
                    "one", at=now, position_id=position_id, details={"count": 2, "ok": True, "none": None}
                ),
                _event("two", application_id=application_id, record_id=record_id, details={"s": "é"}),
            ]
        )
    async with uow.transaction() as tx:
        await tx.append_audit([_event("three", at=T0 + timedelta(days=1))])
    # A rolled-back append leaves no gap and no fork in the chain.
    with pytest.raises(RuntimeError):
        async with uow.transaction() as tx:
            await tx.append_audit([_event("rolled-back")])
            raise RuntimeError("crash")
    async with uow.transaction() as tx:
        await tx.append_audit([_event("four")])

    events = await uow.repo.list_audit()
    assert [e.action for e in events] == ["one", "two", "three", "four"]
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == audit_chain.GENESIS
    assert all(after.prev_hash == before.hash for before, after in itertools.pairwise(events))
    assert audit_chain.verify(events) is None
    assert events[0].at == now and events[0].position_id == position_id
    assert events[0].details == {"count": 2, "ok": True, "none": None}
    assert (events[1].application_id, events[1].record_id, events[1].details) == (
        application_id,
        record_id,
        {"s": "é"},
    )
    assert [e.seq for e in await uow.repo.list_audit(after_seq=2)] == [3, 4]
    assert [e.seq for e in await uow.repo.list_audit(after_seq=1, limit=2)] == [2, 3]


@BACKENDS
async def test_repo_times_of_any_offset_come_back_as_the_same_instant(uow: UnitOfWork) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    position = dataclasses.replace(
        _position(), created_at=datetime(2026, 3, 1, 2, 15, 0, 654321, tzinfo=india)
    )
    async with uow.transaction() as tx:
        await tx.add_position(position)
    got = await uow.repo.get_position(position.id)
    assert got is not None and got.created_at.tzinfo is not None
    assert got.created_at == position.created_at


@pytest.mark.parametrize(
    ("backend", "database_url"),
    [
        pytest.param("memory", "sqlite", id="memory"),
        pytest.param("piccolo", "sqlite", id="piccolo-sqlite"),
        pytest.param("piccolo", "postgresql", id="piccolo-postgresql"),
    ],
    indirect=["database_url"],
)
async def test_repo_audit_chain_holds_for_a_non_utc_event_time(uow: UnitOfWork) -> None:
    # The Clock port promises only an aware datetime, not UTC.
    india = timezone(timedelta(hours=5, minutes=30))
    async with uow.transaction() as tx:
        await tx.append_audit([_event("local", at=datetime(2026, 3, 1, 2, 15, tzinfo=india))])
        await tx.append_audit([_event("utc", at=datetime(2026, 3, 1, 2, 15, tzinfo=UTC))])
    events = await uow.repo.list_audit()
    assert [e.action for e in events] == ["local", "utc"]
    assert audit_chain.verify(events) is None


@BACKENDS
async def test_repo_erasure_claims_refuse_holds_and_are_always_finished(uow: UnitOfWork) -> None:
    """Issue 9 item 1: a claimed application (key destroyed) reports its erasure in progress,
    and a lapsed claim is re-claimed even under a hold: its key is gone, it must be finished."""
    position, person = _position(), _person()
    due = _application(person, position, retention_until=T0)
    async with uow.transaction() as tx:
        await tx.add_position(position)
        await tx.add_person(person)
        await tx.add_application(due)
        await tx.add_data_key(DataKeyRow(application_id=due.id, wrapped_key=b"k", kms_key_id="k", created_at=T0))
    now = T0 + timedelta(days=1)
    assert not await uow.repo.erasure_in_progress(due.id, now)
    async with uow.transaction() as tx:
        claimed = await tx.claim_due(as_of=now, worker="w1", now=now, lease_until=now + timedelta(minutes=5), limit=10)
    assert [c.application_id for c in claimed] == [due.id]
    assert await uow.repo.erasure_in_progress(due.id, now)
    assert await uow.repo.erasure_in_progress(due.id, now + timedelta(hours=1))  # lapsed, key gone
    async with uow.transaction() as tx:
        await tx.set_legal_hold(due.id, "reached the row anyway")
        assert await tx.claim_due(as_of=now, worker="w2", now=now, lease_until=now, limit=10) == []  # live claim
        later = now + timedelta(hours=1)
        again = await tx.claim_due(as_of=now, worker="w2", now=later, lease_until=later, limit=10)
    assert [c.application_id for c in again] == [due.id]
