"""The export's JSON shaping and exemption rule (ats.domain.exports: pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import jsonschema

from ats.domain import exports as shape
from ats.domain.model import AuditEvent, DataSubject, LegalBasis, Purpose, Record, RecordType
from tests.export_world import SCHEMA

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _record(record_type: RecordType, filename: str = "cv.pdf") -> Record:
    return Record(
        id=uuid4(), application_id=uuid4(), record_type=record_type, legal_basis=LegalBasis.LEGITIMATE_INTERESTS,
        purpose=Purpose.RECRUITMENT, data_subject=DataSubject.JOB_APPLICANT, jurisdiction="GB",
        retention_rule="r", expires_on="pending", object_key="k", content_type="application/pdf",
        filename=filename, size=1, sha256="0" * 64, created_at=NOW,
    )


def test_confidential_reference_exempt_in_gb_only() -> None:
    report = _record(RecordType.REFERENCE_REPORT)
    gb = shape.exemption_for(report, "GB")
    assert gb is not None and "Schedule 2" in gb.source and "paragraph 24" in gb.source
    for elsewhere in ("FR", "US", "US-CA", "CA", "IN", "US-NY-NYC"):
        assert shape.exemption_for(report, elsewhere) is None
    # Background-check reports are the candidate's own data: given everywhere.
    assert shape.exemption_for(_record(RecordType.BACKGROUND_CHECK_REPORT), "GB") is None
    assert shape.exemption_for(_record(RecordType.CV), "GB") is None


def test_archive_paths_take_no_candidate_text() -> None:
    record = _record(RecordType.CV, filename="../../etc/passwd; rm -rf.PDF")
    path = shape.archive_path("APP-1234", record)
    assert path == f"documents/APP-1234/cv-{record.id}.pdf"
    bare = _record(RecordType.CV, filename="no extension")
    assert shape.archive_path("APP-1", bare) == f"documents/APP-1/cv-{bare.id}"
    assert ".." not in shape.archive_path("APP-1", _record(RecordType.CV, filename="x.tar.gz/../../a"))


def test_seen_by_gives_roles_not_staff_unless_the_policy_says_so() -> None:
    app_id, user_id = uuid4(), uuid4()
    events = [
        AuditEvent(actor=f"user:{user_id}", action="application.viewed", at=NOW, application_id=app_id, seq=2),
        AuditEvent(actor="candidate", action="export.downloaded", at=NOW, application_id=app_id, seq=3),
        AuditEvent(actor=f"user:{user_id}", action="application.transitioned", at=NOW, application_id=app_id, seq=4,
                   details={"to": "screening"}),
        AuditEvent(actor=f"user:{uuid4()}", action="record.downloaded", at=NOW, application_id=app_id, seq=5,
                   details={"record_type": "cv"}),
    ]
    roles = {user_id: ("recruiter", "staff@example.com")}
    seen = shape.seen_by(events, roles, {app_id: "APP-1"})
    assert [(s["role"], s["what"]) for s in seen] == [
        ("recruiter", "application"), ("you (through a link we sent you)", "export"),
        ("staff (account since removed)", "cv"),
    ]
    assert all("staff" not in s for s in seen) and "staff@example.com" not in repr(seen)
    named = shape.seen_by(events, roles, {app_id: "APP-1"}, name_staff=True)
    assert named[0]["staff"] == "staff@example.com"
    assert shape.history(events, app_id) == [{"at": NOW.isoformat(), "status": "screening", "reason": None}]


def test_plan_leaves_out_exempt_and_earlier_exports() -> None:
    from ats.domain.model import Application, ApplicationStatus, Person, Position, PositionStatus

    app = Application(uuid4(), "APP-9", uuid4(), uuid4(), ApplicationStatus.SUBMITTED, NOW, "v1")
    cv, report, old = _record(RecordType.CV), _record(RecordType.REFERENCE_REPORT), _record(RecordType.EXPORT)
    for r in (cv, report, old):
        r.application_id = app.id
    data = shape.ApplicationData(
        app, Position(app.position_id, "T", "GB", PositionStatus.OPEN, NOW), Person(app.person_id, "e", "n", None, "GB", NOW),
        [cv, report, old],
    )
    files = shape.plan_files([data])
    assert [f.record for f in files] == [cv]
    assert [w["record_id"] for w in shape.withheld([data])] == [str(report.id)]
    doc = shape.document(kind="access", export_id=uuid4(), generated_at=NOW, apps=[data], files=files, events=[], roles={})
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(doc)
