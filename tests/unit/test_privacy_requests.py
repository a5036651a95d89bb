"""Data-subject requests on the in-memory fakes (ats.services.privacy_requests; DESIGN §11):
the code (mailed on its own line, hashed at rest, wrong / expired / sixth try), the same work
for known and unknown addresses, the clock starting at verification, extensions and decisions."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from ats.domain import privacy_requests as pr
from ats.domain.actors import staff
from ats.domain.errors import Conflict, Forbidden, ValidationError
from ats.domain.model import Application, ApplicationStatus, Person, Position, PositionStatus, Role
from ats.domain.rights import Outcome
from ats.services import privacy_requests as requests
from ats.services.deps import Deps
from ats.services.mailroom import Mailroom
from ats.services.request_desk import TooManyRequests
from storage.mailbox import MemoryMailer
from storage.memory import FixedClock, MemoryBlobStore, MemoryKeyProvider, MemoryUnitOfWork
from storage.outbox_crypto import OutboxCipher
from storage.vault import RecordVault

KNOWN, UNKNOWN = "known.5521@example.org", "nobody.7713@example.org"
OFFICER = staff(uuid4(), Role.PRIVACY_OFFICER)
RECRUITER = staff(uuid4(), Role.RECRUITER)


@pytest.fixture
async def world() -> tuple[Deps, MemoryMailer, FixedClock]:
    mailer, clock = MemoryMailer(), FixedClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    deps = Deps(
        uow=MemoryUnitOfWork(),
        vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore()),
        clock=clock,
        mail=Mailroom(mailer=mailer, cipher=OutboxCipher("s" * 40), sender="jobs@example.com"),
    )
    now = clock.now()
    async with deps.uow.transaction() as tx:
        for code in ("GB", "CA"):
            position = Position(uuid4(), f"Engineer {code}", code, PositionStatus.OPEN, now)
            person = Person(uuid4(), KNOWN, "Known Person", None, code, now)
            await tx.add_position(position)
            await tx.add_person(person)
            await tx.add_application(
                Application(uuid4(), f"REF-{code}", position.id, person.id, ApplicationStatus.SUBMITTED, now, "v1")
            )
    return deps, mailer, clock


def code_of(mailer: MemoryMailer) -> str:
    lines = mailer.sent[-1].body.splitlines()
    codes = [line for line in lines if re.fullmatch(r"\d{6}", line)]
    assert len(codes) == 1  # the code, alone on its line
    return codes[0]


async def test_known_and_unknown_addresses_get_the_same_answer_and_the_same_mail(world) -> None:
    deps, mailer, _ = world
    known = await requests.submit(deps, email=KNOWN, kind="access")
    known_mail = mailer.sent[-1]
    unknown = await requests.submit(deps, email=UNKNOWN, kind="access")
    unknown_mail = mailer.sent[-1]
    assert known.status is unknown.status is pr.RequestStatus.AWAITING_VERIFICATION
    assert known_mail.subject == unknown_mail.subject
    assert known_mail.body.replace(code_of_text(known_mail.body), "") == unknown_mail.body.replace(
        code_of_text(unknown_mail.body), ""
    )
    stored = await deps.uow.repo.get_privacy_request(known.id)
    assert stored.code_hash and code_of_text(known_mail.body) not in stored.code_hash  # only a keyed hash
    assert stored.applications == ()  # nothing looked up before verification


def code_of_text(body: str) -> str:
    return next(line for line in body.splitlines() if re.fullmatch(r"\d{6}", line))


async def test_the_right_code_opens_the_request_and_starts_the_clock(world) -> None:
    deps, mailer, clock = world
    request = await requests.submit(deps, email=KNOWN.upper(), kind="erasure")
    clock.advance(minutes=29)
    opened = await requests.verify(deps, request.id, code_of(mailer))
    assert opened.status is pr.RequestStatus.OPEN and len(opened.applications) == 2
    assert opened.jurisdictions == ("CA", "GB")
    assert opened.due_on == date(2027, 2, 3)  # PIPEDA's 30 days (CA) beat the month (4 February)
    assert "2027-02-03" in mailer.sent[-1].body
    with pytest.raises(Conflict):
        await requests.verify(deps, request.id, "000000")


async def test_an_unknown_address_is_verified_the_same_way_and_told_no_data(world) -> None:
    deps, mailer, _ = world
    request = await requests.submit(deps, email=UNKNOWN, kind="access")
    closed = await requests.verify(deps, request.id, code_of(mailer))
    assert closed.status is pr.RequestStatus.CLOSED and closed.decision == "no_data"
    assert "We hold no data about you" in mailer.sent[-1].body


async def test_someone_elses_reference_finds_nothing(world) -> None:
    deps, mailer, _ = world
    request = await requests.submit(deps, email=UNKNOWN, kind="access", reference="REF-GB")
    closed = await requests.verify(deps, request.id, code_of(mailer))
    assert closed.status is pr.RequestStatus.CLOSED and closed.applications == ()


async def test_a_wrong_code_is_422_and_the_fifth_closes_the_request(world) -> None:
    deps, mailer, _ = world
    request = await requests.submit(deps, email=KNOWN, kind="access")
    right = code_of(mailer)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for _ in range(4):
        with pytest.raises(ValidationError) as caught:
            await requests.verify(deps, request.id, wrong)
        assert caught.value.code == "wrong_code"
    with pytest.raises(Conflict):
        await requests.verify(deps, request.id, wrong)  # the fifth wrong try closes it
    with pytest.raises(Conflict):
        await requests.verify(deps, request.id, right)  # the sixth, even right, is refused
    stored = await deps.uow.repo.get_privacy_request(request.id)
    assert stored.status is pr.RequestStatus.CLOSED and stored.tries == 5
    actions = [e.action for e in deps.uow.repo.audit]
    assert actions.count("privacy_request.code_refused") == 4 and "privacy_request.closed" in actions


async def test_an_expired_code_is_refused(world) -> None:
    deps, mailer, clock = world
    request = await requests.submit(deps, email=KNOWN, kind="access")
    clock.advance(minutes=30)
    with pytest.raises(ValidationError) as caught:
        await requests.verify(deps, request.id, code_of(mailer))
    assert "expired" in caught.value.message


def test_codes_are_bound_to_their_request_and_key() -> None:
    key = pr.code_key("k" * 40)
    a, b = uuid4(), uuid4()
    assert pr.hash_code(key, a, "123456") != pr.hash_code(key, b, "123456")
    assert pr.hash_code(key, a, "123456") != pr.hash_code(pr.code_key("j" * 40), a, "123456")


async def test_one_address_is_limited_whoever_asks(world) -> None:
    deps, _, _ = world
    for _ in range(5):
        await requests.submit(deps, email=UNKNOWN, kind="access")
    with pytest.raises(TooManyRequests):
        await requests.submit(deps, email=UNKNOWN, kind="access")
    assert len(await deps.uow.repo.list_privacy_requests()) == 5


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not an address"}, "email"),
        ({"kind": "everything"}, "kind"),
        ({"details": "x" * 2001}, "details"),
        ({"details": "<script>alert(1)</script>"}, "details"),
        ({"details": "right-to-left \u202e override"}, "details"),
        ({"reference": "REF; DROP"}, "reference"),
        ({"email": ["a@example.org"]}, "email"),
    ],
)
async def test_bad_fields_are_refused_and_nothing_is_stored(world, fields: dict, field: str) -> None:
    deps, mailer, _ = world
    with pytest.raises(ValidationError) as caught:
        await requests.submit(deps, **{"email": KNOWN, "kind": "access", **fields})
    assert caught.value.field == field
    assert await deps.uow.repo.list_privacy_requests() == [] and mailer.sent == []


async def _opened(deps: Deps, mailer: MemoryMailer, kind: str = "erasure") -> pr.PrivacyRequest:
    request = await requests.submit(deps, email=KNOWN, kind=kind)
    return await requests.verify(deps, request.id, code_of(mailer))


async def test_the_queue_is_the_officers_soonest_due_first(world) -> None:
    deps, mailer, clock = world
    first = await _opened(deps, mailer)
    clock.advance(days=3)
    second = await _opened(deps, mailer)
    assert [r.id for r in await requests.queue(deps, OFFICER, status="open")] == [first.id, second.id]
    with pytest.raises(Forbidden):
        await requests.queue(deps, RECRUITER)
    clock.advance(days=40)
    assert all(r.overdue(clock.now().date()) for r in await requests.queue(deps, OFFICER))


async def test_an_extension_within_the_strictest_law_and_mailed(world) -> None:
    deps, mailer, clock = world
    request = await _opened(deps, mailer)
    with pytest.raises(ValidationError):
        await requests.extend(deps, OFFICER, request.id, months=2, reason="Complex")  # CA: 1 at most
    after = await requests.extend(deps, OFFICER, request.id, months=1, reason="Many records to review")
    assert after.extended_due_on is not None and after.extended_due_on > after.due_on
    assert "Many records to review" in mailer.sent[-1].body
    clock.advance(days=80)
    with pytest.raises(ValidationError):
        await requests.extend(deps, OFFICER, request.id, months=1, reason="Again")


async def test_refusal_is_recorded_and_mailed(world) -> None:
    deps, mailer, _ = world
    request = await _opened(deps, mailer)
    after, _ = await requests.decide(deps, OFFICER, request.id, decision="refuse", reason="A legal hold stands")
    assert after.status is pr.RequestStatus.REFUSED and after.decision_reason == "A legal hold stands"
    assert "A legal hold stands" in mailer.sent[-1].body
    with pytest.raises(Conflict):
        await requests.decide(deps, OFFICER, request.id, decision="refuse", reason="again")


async def test_fulfilment_calls_the_kinds_function_and_mails_its_outcome(world, monkeypatch) -> None:
    deps, mailer, _ = world
    request = await _opened(deps, mailer)
    seen = {}

    async def fake(deps, subject, *, actor, now):  # the interface of ats.services.rights
        seen["subject"] = subject
        return Outcome(True, "erased 2", "Your data has been erased.")

    monkeypatch.setattr(requests, "fulfilment_for", lambda kind: (fake, {}))
    after, _ = await requests.decide(deps, OFFICER, request.id, decision="fulfil", reason=None)
    assert after.status is pr.RequestStatus.FULFILLED and set(seen["subject"].application_ids) == set(request.applications)
    assert "Your data has been erased." in mailer.sent[-1].body
    with pytest.raises(ValidationError):
        await requests.decide(deps, OFFICER, request.id, decision="maybe", reason=None)


def test_every_kind_has_a_fulfilment() -> None:
    for kind in pr.KINDS:
        try:
            fn, _ = requests.fulfilment_for(kind)
        except (ImportError, AttributeError):
            pytest.skip(f"the fulfilment of {kind} has not landed yet")
        assert callable(fn)

