"""The record of processing activities (GDPR Art. 30(1)), put together from the live policy
tables: what each record type is for (ats.domain.records.RECORD_SPECS), the jurisdiction table
(which background checks each place allows, and the law that allows them), the retention rules
with their sources, the processing policy (ats/policy/processing.json: categories, recipients,
processing locations) and what is stored now. Pure: the caller passes everything in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ats.domain.jurisdiction import PolicyBook
from ats.domain.model import LegalBasis
from ats.domain.records import RECORD_SPECS

# GDPR Art. 6(1) point per legal basis, so the record names the article, not only a code.
ARTICLE = {
    LegalBasis.CONSENT: "GDPR Art. 6(1)(a)",
    LegalBasis.CONTRACT: "GDPR Art. 6(1)(b)",
    LegalBasis.LEGAL_OBLIGATION: "GDPR Art. 6(1)(c)",
    LegalBasis.VITAL_INTERESTS: "GDPR Art. 6(1)(d)",
    LegalBasis.PUBLIC_TASK: "GDPR Art. 6(1)(e)",
    LegalBasis.LEGITIMATE_INTERESTS: "GDPR Art. 6(1)(f)",
}


@dataclass(frozen=True)
class Location:
    country: str
    name: str


@dataclass(frozen=True)
class ProcessingPolicy:
    version: str
    source: str
    processing_locations: tuple[Location, ...]
    categories: dict[str, list[str]]  # data subject -> categories of data
    recipients: list[dict[str, str]]  # {"who", "why"}
    security: str

    def location_names(self) -> list[str]:
        return [loc.name for loc in self.processing_locations]


@dataclass(frozen=True)
class RetentionRule:
    rule: str
    applies_to: str
    source: str


def build(
    *,
    processing: ProcessingPolicy,
    policy: PolicyBook,
    retention_rules: list[RetentionRule],
    stored: list[tuple[str, str, str, int]],
    storage_region: str,
    controller: str,
    contact: str,
    now: datetime,
) -> dict[str, Any]:
    """The record as JSON-ready data. `stored`: (record type, jurisdiction, rule, count)."""
    per_type: dict[str, int] = {}
    for record_type, _, _, n in stored:
        per_type[record_type] = per_type.get(record_type, 0) + n
    activities = [
        {
            "record_type": record_type.value,
            "purpose": purpose.value,
            "legal_basis": basis.value,
            "legal_basis_article": ARTICLE[basis],
            "data_subject": subject.value,
            "categories": processing.categories.get(subject.value, []),
            "records_stored": per_type.get(record_type.value, 0),
        }
        for record_type, (basis, purpose, subject) in RECORD_SPECS.items()
    ]
    checks = {
        code: {
            "name": j.name,
            "allowed": dict(sorted(j.allowed.items())),
            "forbidden": dict(sorted(j.forbidden.items())),
            "criminal_offence_condition": j.criminal_offence_condition,
            "keep_document": j.keep_document,
        }
        for code, j in sorted(policy.jurisdictions.items())
    }
    return {
        "generated_at": now.isoformat(),
        "controller": {"name": controller, "contact": contact},
        "policy_versions": {"jurisdictions": policy.version, "processing": processing.version},
        "source": processing.source,
        "data_subjects": sorted(processing.categories),
        "activities": activities,
        "recipients": processing.recipients,
        "background_checks": checks,
        "retention": [vars(r) for r in retention_rules],
        "stored": [
            {"record_type": t, "jurisdiction": j, "retention_rule": r, "count": n} for t, j, r, n in stored
        ],
        "locations": {
            "processing": [vars(loc) for loc in processing.processing_locations],
            "storage_region": storage_region,
        },
        "security": processing.security,
    }
