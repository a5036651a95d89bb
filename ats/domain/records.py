"""What each record type is for: legal basis, purpose, data subject; its key and tags (§5)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ats.domain.model import DataSubject, LegalBasis, Purpose, Record, RecordType
from ats.domain.retention import RETENTION_RULE, expires_on_tag
from ats.domain.retention_rules import Rule, record_expiry

# Record type -> (legal basis, purpose, data subject). The policy text names legitimate
# interests for the application itself; a talent-pool entry goes beyond it, so it needs consent.
RECORD_SPECS: dict[RecordType, tuple[LegalBasis, Purpose, DataSubject]] = {
    RecordType.CV: (LegalBasis.LEGITIMATE_INTERESTS, Purpose.RECRUITMENT, DataSubject.JOB_APPLICANT),
    RecordType.COVER_LETTER: (
        LegalBasis.LEGITIMATE_INTERESTS,
        Purpose.RECRUITMENT,
        DataSubject.JOB_APPLICANT,
    ),
    RecordType.REFERENCE_REPORT: (
        LegalBasis.LEGITIMATE_INTERESTS,
        Purpose.REFERENCE_CHECK,
        DataSubject.REFEREE,
    ),
    RecordType.OFFER_LETTER: (LegalBasis.CONTRACT, Purpose.RECRUITMENT, DataSubject.JOB_APPLICANT),
    RecordType.BACKGROUND_CHECK_CONSENT: (
        LegalBasis.CONSENT,
        Purpose.BACKGROUND_CHECK,
        DataSubject.JOB_APPLICANT,
    ),
    RecordType.BACKGROUND_CHECK_REPORT: (
        LegalBasis.LEGITIMATE_INTERESTS,
        Purpose.BACKGROUND_CHECK,
        DataSubject.JOB_APPLICANT,
    ),
    RecordType.TALENT_POOL_CONSENT: (
        LegalBasis.CONSENT,
        Purpose.TALENT_POOL,
        DataSubject.JOB_APPLICANT,
    ),
    RecordType.EXPORT: (LegalBasis.LEGAL_OBLIGATION, Purpose.RECRUITMENT, DataSubject.JOB_APPLICANT),
}

TAG_KEYS = (
    "legal-basis",
    "purpose",
    "record-type",
    "data-subject",
    "jurisdiction",
    "retention",
    "expires-on",
    "application",
    "location",
)  # 9 of S3's 10 (DESIGN §5)


APPLICATIONS_PREFIX = "applications/"


def application_prefix(application_id: UUID) -> str:
    """Every object of one application lives under this prefix, so erasure can find them all."""
    return f"{APPLICATIONS_PREFIX}{application_id}/"


def object_key(application_id: UUID, record_type: RecordType, record_id: UUID) -> str:
    # Only ids we generated: no candidate-supplied text can reach the key.
    return f"{application_prefix(application_id)}{record_type.value}/{record_id}"


def new_record(
    *,
    record_id: UUID,
    application_id: UUID,
    record_type: RecordType,
    jurisdiction: str,
    content_type: str,
    filename: str,
    size: int,
    sha256: str,
    now: datetime,
    retention_until: datetime | None = None,
    rule: Rule | None = None,
    hiring_concluded_at: datetime | None = None,
) -> Record:
    """Without a `rule` the record follows its application's (expiring at `retention_until`);
    with one (ats/policy/retention.json), its own from its anchors (DESIGN §12)."""
    legal_basis, purpose, subject = RECORD_SPECS[record_type]
    if rule is None:
        label, expires_at = RETENTION_RULE, retention_until
    else:
        label = rule.label
        expires_at = record_expiry(rule, created_at=now, hiring_concluded_at=hiring_concluded_at)
    return Record(
        id=record_id,
        application_id=application_id,
        record_type=record_type,
        legal_basis=legal_basis,
        purpose=purpose,
        data_subject=subject,
        jurisdiction=jurisdiction,
        retention_rule=label,
        expires_on=expires_on_tag(expires_at),
        expires_at=expires_at,
        object_key=object_key(application_id, record_type, record_id),
        content_type=content_type,
        filename=filename,
        size=size,
        sha256=sha256,
        created_at=now,
    )


def tags_for(record: Record) -> dict[str, str]:
    """The S3 tag set of a record (invariant 2: equal to the database row, by construction)."""
    return {
        "legal-basis": record.legal_basis.value,
        "purpose": record.purpose.value,
        "record-type": record.record_type.value,
        "data-subject": record.data_subject.value,
        "jurisdiction": record.jurisdiction,
        "retention": record.retention_rule,
        "expires-on": record.expires_on,
        "application": str(record.application_id),
        "location": record.location,
    }


def associated_data(record: Record) -> dict[str, str]:
    """Metadata bound into the ciphertext, so an object cannot be moved or relabelled unseen."""
    return {
        "object_key": record.object_key,
        "application": str(record.application_id),
        "record_type": record.record_type.value,
        "legal_basis": record.legal_basis.value,
    }
