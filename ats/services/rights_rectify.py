"""Rectification (GDPR Art. 16, DESIGN §11): corrected contact details on every application of
the person, and a replacement CV whose predecessor is erased with every S3 version.

Everything is checked before anything is written (invariant 7): the contact details as the
application form checks them (ats.domain.applicants), the CV with the intake's upload checks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ats.domain.actors import Actor
from ats.domain.applicants import validate_applicant
from ats.domain.errors import ValidationError
from ats.domain.model import Application, Person, Record, RecordType
from ats.domain.rights import Outcome, Subject
from ats.domain.uploads import CheckedUpload
from ats.services.applications import Upload, check_file
from ats.services.deps import Deps
from ats.services.records import store_record
from ats.services.rights_common import applications, delete_all_versions, ids, require_officer

CONTACT = ("full_name", "email", "phone", "country")


def _contact(person: Person, changes: Mapping[str, object]) -> dict[str, Any]:
    """The person's contact details with the changes applied, checked like the form's."""
    merged = {k: changes.get(k, getattr(person, k)) for k in CONTACT}
    details = validate_applicant(**merged, privacy_notice_acknowledged=True)
    return {"full_name": details.full_name, "email": details.email, "phone": details.phone, "country": details.country}


async def rectify(
    deps: Deps, subject: Subject, *, actor: Actor, now: datetime, changes: Mapping[str, object] | None = None
) -> Outcome:
    """`changes`: any of full_name, email, phone (empty: none) and country, and `cv` (an
    ats.services.applications.Upload). A CV is not replaced on an application under a legal
    hold (its old version may be needed for the claim: GDPR Art. 17(3)(e)); the rest is."""
    require_officer(actor)
    if not isinstance(changes, Mapping):
        raise ValidationError("Say what to correct: full_name, email, phone, country or cv.", field="changes")
    unknown = sorted(set(changes) - {*CONTACT, "cv"})
    if unknown:
        raise ValidationError(
            f"{unknown[0]} cannot be corrected here; give full_name, email, phone, country or cv.", field=unknown[0]
        )
    if not changes:
        raise ValidationError("Say what to correct: full_name, email, phone, country or cv.", field="changes")
    cv = changes.get("cv")
    if cv is not None and not isinstance(cv, Upload):
        raise ValidationError("Attach the replacement CV as a file.", field="cv")
    apps = await applications(deps, subject.application_ids)
    people: list[tuple[Application, Person]] = []
    for app in apps:
        person = await deps.uow.repo.get_person(app.person_id)
        if person is not None:
            people.append((app, person))
    wanted = {k: v for k, v in changes.items() if k in CONTACT}
    corrected = {app.id: _contact(p, wanted) for app, p in people} if wanted else {}
    checked = await check_file(deps, "cv", cv, required=True) if cv is not None else None

    contacts = 0
    for app, person in people:
        new = corrected.get(app.id)
        if new is None or all(getattr(person, k) == v for k, v in new.items()):
            continue  # nothing to change (also: a second run)
        async with deps.uow.transaction() as tx:
            if await tx.lock_application(app.id) is None:
                continue
            await tx.set_contact(person.id, **new)
            fields = ",".join(k for k, v in new.items() if getattr(person, k) != v)
            await tx.append_audit(
                [deps.event(actor, "person.rectified", application_id=app.id, details=ids(subject, fields=fields))]
            )
        contacts += 1

    replaced, held, old = 0, [], []
    if cv is not None and checked is not None:
        for app, _ in people:
            if app.legal_hold_reason:
                held.append(app.reference)
                continue
            previous = await _replace_cv(deps, subject, app, cv, checked, actor)
            if previous is not None:
                old += previous
                replaced += 1
        await delete_all_versions(deps, old)
    reason = f"Rectified (GDPR Art. 16): contact details on {contacts} application(s), CV replaced on {replaced}."
    message = "We have corrected your data as you asked."
    if held:
        refs = ", ".join(held)
        reason += f" CV kept under a legal hold (GDPR Art. 17(3)(e)) on {refs}."
        message += (
            f" Your earlier CV for application(s) {refs} is kept for the establishment, exercise or "
            "defence of legal claims (GDPR Art. 17(3)(e)); the corrected one is not stored there yet."
        )
    return Outcome(fulfilled=not held, reason=reason, message=message)


async def _replace_cv(
    deps: Deps, subject: Subject, app: Application, cv: Upload, checked: CheckedUpload, actor: Actor
) -> list[Record] | None:
    """Store the new CV (encrypted and tagged as at intake: ats.services.records.store_record),
    and in the same transaction drop the old CV rows. None when the CV is already this file."""
    current = [r for r in await deps.uow.repo.list_records(app.id) if r.record_type is RecordType.CV]
    if len(current) == 1 and current[0].sha256 == hashlib.sha256(cv.data).hexdigest():
        return None  # already replaced by an earlier run
    fresh = await deps.uow.repo.get_application(app.id)
    if fresh is None:
        return None

    async def then(tx, record: Record) -> None:  # type: ignore[no-untyped-def]
        await tx.remove_records([r.id for r in current])
        await tx.append_audit(
            [
                deps.event(
                    actor,
                    "record.replaced",
                    application_id=app.id,
                    record_id=record.id,
                    details=ids(subject, record_type="cv", replaced=",".join(str(r.id) for r in current)),
                )
            ]
        )

    await store_record(
        deps, fresh, RecordType.CV, cv.data, content_type=checked.content_type, filename=checked.filename, then=then
    )
    return current
