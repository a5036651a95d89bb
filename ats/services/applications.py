"""Use cases of an application: submit, list, view, read a document."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from uuid import UUID, uuid4

from ats import metrics
from ats.domain import access as rules
from ats.domain import paging
from ats.domain.actors import CANDIDATE, Actor
from ats.domain.applicants import ApplicantDetails, validate_applicant
from ats.domain.background import Check, ConsentRequest
from ats.domain.errors import Conflict, NotFound, ValidationError
from ats.domain.model import (
    Application,
    ApplicationStatus,
    ApplicationView,
    DataKeyRow,
    Person,
    Position,
    Record,
    RecordType,
    Referee,
    Role,
)
from ats.domain.references import PRIVACY_NOTICE_VERSION, new_reference
from ats.domain.uploads import CheckedUpload, check_upload
from ats.ports import Duplicate, NewSubmission, PositionClosed, Vault
from ats.services import access, duplicates, intake_files
from ats.services.deps import Deps
from ats.services.references import parse_referee

MAX_FORM_REFEREES = 3
T = TypeVar("T")
CLOSED_MESSAGE = "This position is no longer accepting applications."
RESTRICTED_DOCUMENT = (
    "This application is restricted at the candidate's request (GDPR Art. 18): only a privacy "
    "officer can open its documents until the restriction is lifted."
)


@dataclass(frozen=True)
class Upload:
    """A file as received: the bytes and the name the client gave (a hint, never trusted)."""

    filename: str | None
    data: bytes
    # check_file's answer for these bytes: the candidate form checks each file to show every
    # error at once, then submits; the second check (a PDF parse or zip listing) is not repeated.
    passed: dict[tuple[str, int], CheckedUpload] = dataclasses.field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Submitted:
    id: UUID
    reference: str


async def open_position(deps: Deps, position_id: UUID) -> Position:
    return require_open(await deps.uow.repo.get_position(position_id))


def require_open(position: Position | None) -> Position:
    if position is None:
        raise NotFound("There is no such position. Choose one from the list of open positions.")
    if not position.is_open:
        raise Conflict(CLOSED_MESSAGE, code="position_closed")
    return position


async def check_file(deps: Deps, field: str, upload: Upload | None, *, required: bool) -> CheckedUpload | None:
    """Content, size and name checks of one uploaded file (None when optional and absent).
    Parsing a zip or a PDF of up to the size limit is CPU work: it runs on a worker thread so
    the event loop keeps serving other requests meanwhile (issue 9)."""
    try:
        if upload is None:
            if required:
                raise ValidationError("Attach your CV.", field=field, code="missing")
            return None
        key = (field, deps.max_upload_bytes)
        if key not in upload.passed:
            upload.passed[key] = await deps.blocking(
                functools.partial(check_upload, upload.data, upload.filename, field=field, max_bytes=deps.max_upload_bytes)
            )
        return upload.passed[key]
    except ValidationError as exc:
        metrics.upload_refused(exc.code)  # the refusal code only: never the file or its name
        raise


async def submit_application(
    deps: Deps,
    *,
    position_id: UUID,
    fields: Mapping[str, object],
    cv: Upload | None,
    cover_letter: Upload | None = None,
    referees: Sequence[Mapping[str, object]] = (),
) -> Submitted:
    repo = deps.uow.repo
    uploads = [("cv", RecordType.CV, cv), ("cover_letter", RecordType.COVER_LETTER, cover_letter)]
    try:
        details = _applicant(fields)
        if cv is None:
            await check_file(deps, "cv", None, required=True)  # "Attach your CV." (counted)
        if len(referees) > MAX_FORM_REFEREES:
            raise ValidationError(f"Name at most {MAX_FORM_REFEREES} referees here.", field="referees")
        parsed_referees = [
            parse_referee(r, uuid4(), deps.clock.now(), i) for i, r in enumerate(referees)
        ]  # checked now, bound to the application id below
    except ValidationError:
        await open_position(deps, position_id)  # an unknown or closed position is said first
        raise
    application_id = uuid4()
    found = await repo.intake_lookup(position_id, details.email)
    position = require_open(found.position)
    now = deps.clock.now()
    consent = _talent_pool_consent(application_id, now) if details.talent_pool_consent else None
    intake = intake_files.Intake(
        vault=deps.vault,
        application_id=application_id,
        jurisdiction=position.jurisdiction,
        now=now,
        max_bytes=deps.max_upload_bytes,
        uploads=[(f, t, u) for f, t, u in uploads if u is not None],
        consent=consent,
    )
    if found.duplicate_of is not None:
        # Answered like any application (its files checked the same), so the form tells no one
        # whether an address has applied; the owner of the address hears of it by mail (issue 9 #10).
        await _checked(deps, intake.check_only)
        await duplicates.received(deps, position, found.duplicate_of, details.email)
        return _as_if_stored()
    contents = intake.contents  # filled by the worker: what was put can be discarded

    try:
        # The files' checks, the data key (a KMS call when a branch key is due), encryption and
        # puts in one worker-thread call (ats.services.intake_files), objects before rows.
        data_key = await _checked(deps, intake.check_and_store)
        application = Application(
            id=application_id,
            reference=new_reference(),
            position_id=position.id,
            person_id=uuid4(),  # always a new contact row: never someone else's (issue 9 #10)
            status=ApplicationStatus.SUBMITTED,
            submitted_at=now,
            privacy_notice_version=PRIVACY_NOTICE_VERSION,
            talent_pool_consent=details.talent_pool_consent,
        )
        for referee in parsed_referees:
            referee.application_id = application_id
        submission = NewSubmission(
            application=application,
            person=_new_person(application.person_id, details, now),
            data_key=DataKeyRow(
                application_id=application_id,
                wrapped_key=data_key.wrapped,
                kms_key_id=data_key.key_id,
                created_at=now,
            ),
            records=[r for r, _ in contents],
            referees=parsed_referees,
            events=[
                deps.event(
                    CANDIDATE,
                    "application.submitted",
                    application_id=application_id,
                    position_id=position.id,
                    details={
                        "records": len(contents),
                        "talent_pool": details.talent_pool_consent,
                        "referees": len(parsed_referees),
                    },
                )
            ],
        )
        # The write transaction re-checks that the position is still open (PositionClosed):
        # a conclusion may have committed since the lookup (issue 9 #2).
        await deps.uow.save_submission(submission)
        metrics.application_received()
    except BaseException as exc:
        # Whatever was put, also by a store_new that failed half-way, carries its version id.
        written = [record for record, _ in contents if record.version_id]
        if written:
            await deps.blocking(deps.vault.discard, written)
        if isinstance(exc, PositionClosed):
            raise Conflict(CLOSED_MESSAGE, code="position_closed") from exc
        if isinstance(exc, Duplicate):
            # The same address applied to this position while this intake wrote its objects.
            again = await repo.intake_lookup(position.id, details.email)
            if again.duplicate_of is not None:
                await duplicates.received(deps, position, again.duplicate_of, details.email)
                return _as_if_stored()
        raise
    return Submitted(id=application_id, reference=application.reference)


def _applicant(fields: Mapping[str, object]) -> ApplicantDetails:
    return validate_applicant(
        full_name=fields.get("full_name"),
        email=fields.get("email"),
        phone=fields.get("phone"),
        country=fields.get("country"),
        privacy_notice_acknowledged=fields.get("privacy_notice_acknowledged"),
        talent_pool_consent=fields.get("talent_pool_consent"),
    )


async def _checked(deps: Deps, work: Callable[[], T]) -> T:
    try:
        return await deps.blocking(work)
    except ValidationError as exc:
        metrics.upload_refused(exc.code)  # the refusal code only: never the file or its name
        raise


def _talent_pool_consent(application_id: UUID, now: datetime) -> bytes:
    return json.dumps(
        {
            "consent": "talent_pool",
            "given_at": now.isoformat(),
            "privacy_notice_version": PRIVACY_NOTICE_VERSION,
            "application": str(application_id),
        }
    ).encode()


def _as_if_stored() -> Submitted:
    """The answer to a duplicate: an id and a reference of the same shapes as a stored
    application's, pointing at nothing (ats.services.duplicates says why)."""
    return Submitted(id=uuid4(), reference=new_reference())


def _new_person(person_id: UUID, details: ApplicantDetails, now: datetime) -> Person:
    return Person(
        id=person_id,
        email=details.email,
        full_name=details.full_name,
        phone=details.phone,
        country=details.country,
        created_at=now,
    )


@dataclass(frozen=True)
class ApplicationsPage:
    position: Position
    rows: list[tuple[Application, Person]]
    next: str | None  # the marker of the following page; None on the last one


async def list_applications(
    deps: Deps, actor: Actor, position_id: UUID, *, after: object = None, limit: object = None
) -> ApplicationsPage:
    """One page of a position's applications, newest first (`after`: a marker from the page
    before; `limit`: 1 to 200, default 50). Scope: ats.services.access (ArchivedPosition once
    hiring concluded, for the hiring team)."""
    marker, size = paging.decode_marker(after), paging.parse_limit(limit)
    position = await access.visible_position(deps, actor, position_id, contents=True)
    rows = await deps.uow.repo.list_applications(position_id, limit=size + 1, after=marker)
    more = len(rows) > size
    rows = rows[:size]
    last = rows[-1][0] if more else None
    await deps.audit(actor, "position.applications_listed", position_id=position_id, details={"count": len(rows)})
    return ApplicationsPage(
        position=position,
        rows=rows,
        next=paging.encode_marker(paging.Marker(at=last.submitted_at, id=last.id)) if last else None,
    )


async def view_application(deps: Deps, actor: Actor, application_id: UUID) -> ApplicationView:
    """The application, its contact row and the records the actor's role may read (audited)."""
    application, position = await access.visible_application(deps, actor, application_id, action="read")
    repo = deps.uow.repo
    person = await repo.get_person(application.person_id)
    assert person is not None
    records = access.readable_records(actor, await repo.list_records(application_id))
    await deps.audit(actor, "application.viewed", application_id=application_id, position_id=position.id)
    return ApplicationView(application=application, person=person, position=position, records=records)


@dataclass(frozen=True)
class ApplicationDetail:
    """What the panel's application page and GET /applications/{id} show, filtered by role:
    `referees`, `consents` and `checks` are None where the role may not see them (hiring
    managers: no reference or background-check material, DESIGN §8)."""

    view: ApplicationView
    referees: list[Referee] | None
    consents: list[ConsentRequest] | None
    checks: list[Check] | None
    actions: frozenset[rules.Action]  # what the actor may do here (the page's forms)
    moves: list[ApplicationStatus]  # the transitions this actor may make now
    contact_details: bool = False  # the candidate's name, email, phone and country may be shown

    @property
    def application(self) -> Application:
        return self.view.application

    @property
    def position(self) -> Position:
        return self.view.position


async def application_detail(deps: Deps, actor: Actor, application_id: UUID) -> ApplicationDetail:
    """One read of everything a recruiter works with, in a constant number of queries."""
    from ats.domain.workflow import TRANSITIONS

    view = await view_application(deps, actor, application_id)
    repo = deps.uow.repo
    role, position = access.role_of(actor), view.position
    assigned = await access.is_assigned(repo, actor, position.id)
    allowed = frozenset(a for a in rules.Action if rules.may(role, a, assigned=assigned, open=position.is_open))
    referees = await repo.list_referees(application_id) if rules.Action.READ_REFERENCES in allowed else None
    consents = checks = None
    if rules.Action.READ_BACKGROUND in allowed:
        consents, checks = await repo.list_consents(application_id), await repo.list_checks(application_id)
    current = view.application.status
    moves = []
    if rules.Action.MOVE in allowed:
        moves = [
            t for t in sorted(TRANSITIONS[current], key=list(ApplicationStatus).index)
            if rules.may_move(role, current, t)
        ]
    return ApplicationDetail(
        view, referees, consents, checks, allowed, moves, contact_details=rules.shows_contact_details(role)
    )


async def read_document(deps: Deps, actor: Actor, record_id: UUID) -> tuple[Record, bytes]:
    """Decrypt one record the actor may read (ats.services.access.visible_record: hiring
    managers only CVs and cover letters, admins nothing); audited before the bytes go out."""
    # The scope, the record and its wrapped key in one read; the key unwrapped and the object
    # fetched, decrypted and verified in one worker-thread call; the audit event appended in
    # one trip (bench/download.py: each database statement and thread hand-off was a cost).
    found = await access.visible_document(deps, actor, record_id)
    if found.application.restricted and access.role_of(actor) is not Role.PRIVACY_OFFICER:
        # GDPR Art. 18(2): a restricted application's documents are stored, not used; only a
        # privacy officer opens them (e.g. to handle the request or a legal claim).
        raise Conflict(RESTRICTED_DOCUMENT, code="restricted")
    record, key_row = found.record, found.data_key
    if key_row is None:
        raise NotFound("This document's key has been destroyed; the document is unreadable.")
    event = deps.event(
        actor,
        "record.downloaded",
        application_id=record.application_id,
        record_id=record.id,
        details={"record_type": record.record_type.value},
    )
    # The read is audited once it is authorised, while the object is fetched and decrypted:
    # both finish before a byte is returned (a download waited for each in turn: bench/download.py).
    opened = asyncio.ensure_future(deps.blocking(_open_document, deps.vault, key_row.wrapped_key, record))
    try:
        await deps.uow.append_audit_alone([event])
    except BaseException:
        opened.cancel()  # the worker thread finishes on its own; its result or error is dropped
        opened.add_done_callback(lambda f: f.cancelled() or f.exception())
        raise
    return record, await opened


def _open_document(vault: Vault, wrapped_key: bytes, record: Record) -> bytes:
    """On a worker thread: unwrap the application's data key, fetch and decrypt the object,
    verify its checksum (RecordVault.fetch raises on any mismatch)."""
    return vault.fetch(vault.unwrap(record.application_id, wrapped_key), record)
