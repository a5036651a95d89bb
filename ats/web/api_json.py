"""The JSON API's bodies: what goes out (domain objects as JSON, no more than each role may see:
the services decide what is passed in) and what comes in (a JSON object of storable text)."""

from __future__ import annotations

import json

from starlette.requests import Request

from ats.domain.background import Check, ConsentRequest
from ats.domain.errors import ValidationError
from ats.domain.model import Application, Person, Position, Record, Referee
from ats.domain.records import tags_for
from ats.services.applications import ApplicationDetail


def position_json(p: Position) -> dict:
    return {
        "id": str(p.id),
        "title": p.title,
        "jurisdiction": p.jurisdiction,
        "status": p.status.value,
        "concluded_at": p.concluded_at.isoformat() if p.concluded_at else None,
    }


def record_json(r: Record) -> dict:
    return {
        "id": str(r.id),
        "record_type": r.record_type.value,
        "legal_basis": r.legal_basis.value,
        "purpose": r.purpose.value,
        "data_subject": r.data_subject.value,
        "jurisdiction": r.jurisdiction,
        "retention": r.retention_rule,
        "expires_on": r.expires_on,
        "object_key": r.object_key,
        "version_id": r.version_id,
        "content_type": r.content_type,
        "filename": r.filename,
        "size": r.size,
        "sha256": r.sha256,
        "tags": tags_for(r),
        "created_at": r.created_at.isoformat(),
    }


def consent_json(c: ConsentRequest) -> dict:
    return {
        "id": str(c.id),
        "status": c.status.value,
        "check_types": c.check_types,
        "jurisdiction": c.jurisdiction,
        "disclosure_version": c.disclosure_version,
        "disclosure_sha256": c.disclosure_sha256,
        "requested_at": c.requested_at.isoformat(),
        "answered_at": c.answered_at.isoformat() if c.answered_at else None,
        "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
    }


def check_json(c: Check) -> dict:
    return {
        "id": str(c.id),
        "consent_request_id": str(c.consent_id),
        "check_type": c.check_type,
        "status": c.status.value,
        "respond_by": c.respond_by.isoformat() if c.respond_by else None,
        "record_id": str(c.record_id) if c.record_id else None,
        "criminal_offence_data": c.criminal_offence_data,
        "details": c.details,
    }


def referee_json(r: Referee) -> dict:
    return {
        "id": str(r.id),
        "full_name": r.full_name,
        "email": r.email,
        "relationship": r.relationship,
        "report_recorded": r.report_record_id is not None,
    }


def candidate_json(p: Person) -> dict:
    return {"full_name": p.full_name, "email": p.email, "phone": p.phone, "country": p.country}


def application_detail_json(detail: ApplicationDetail) -> dict:
    """GET /applications/{id}: what a recruiter needs (issue 8 item 4), filtered by the role
    (ats.services.applications.application_detail): keys a role may not see are left out."""
    view = detail.view
    body = application_json(view.application)
    body["position"] = position_json(view.position)
    if detail.contact_details:
        body["candidate"] = candidate_json(view.person)
    body["records"] = [record_json(r) for r in view.records]
    if detail.referees is not None:
        body["referees"] = [referee_json(r) for r in detail.referees]
    if detail.consents is not None:
        body["consent_requests"] = [consent_json(c) for c in detail.consents]
    if detail.checks is not None:
        body["checks"] = [check_json(c) for c in detail.checks]
    return body


def application_json(a: Application) -> dict:
    return {
        "id": str(a.id),
        "reference": a.reference,
        "position_id": str(a.position_id),
        "status": a.status.value,
        "submitted_at": a.submitted_at.isoformat(),
        "retention_until": a.retention_until.isoformat() if a.retention_until else None,
        "legal_hold": a.legal_hold_reason is not None,
        # GDPR Art. 18 restriction at the candidate's request (ats.services.rights)
        "restricted": a.restricted,
        "restricted_at": a.restricted_at.isoformat() if a.restricted_at else None,
        "talent_pool_consent": a.talent_pool_consent,
    }


def _not_json(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _check_text(body: object) -> None:
    """Every string of a parsed body must be text a database can store: JSON's \\u escapes can
    spell a lone surrogate (not encodable as UTF-8) or NUL (refused by PostgreSQL in text), and
    both once answered 500. Walked without recursion (the body may be deep)."""
    pending = [body]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and ("\x00" in item or (not item.isascii() and _has_surrogate(item))):
            raise ValidationError(
                "Text in the request must be Unicode without NUL characters or unpaired surrogates.",
                code="invalid_text",
            )


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


async def json_body(request: Request) -> dict:
    try:
        # NaN and Infinity are not JSON (RFC 8259 §6); Python's parser accepts them by default.
        body = json.loads(await request.body(), parse_constant=_not_json)
    except (ValueError, RecursionError):
        # RecursionError: json.loads recurses once per nesting level, so a body nested
        # deeper than the interpreter's recursion limit cannot be parsed (issue 9 item 4).
        raise ValidationError("Send a JSON object in the request body.", code="malformed_json") from None
    if not isinstance(body, dict):
        raise ValidationError("Send a JSON object in the request body.", code="malformed_json")
    _check_text(body)
    return body
