"""Background-check policy per jurisdiction, as plain data (loaded by ats.policy_loader)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ats.domain.deadlines import RequestRules
from ats.domain.errors import ValidationError

CHECK_TYPES = ("criminal", "credit", "employment", "education", "identity", "driving")


@dataclass(frozen=True)
class JurisdictionPolicy:
    code: str
    name: str
    allowed: dict[str, str]  # check type -> the source that allows it
    forbidden: dict[str, str]  # check type -> the source that forbids it
    disclosure_text: str
    disclosure_source: str
    standalone_disclosure: bool
    waiting_business_days: int
    waiting_source: str
    keep_document: bool
    criminal_offence_condition: str | None
    version: str
    requests: RequestRules | None = None  # data-subject request deadlines (ats.domain.deadlines)

    @property
    def disclosure_sha256(self) -> str:
        return hashlib.sha256(self.disclosure_text.encode()).hexdigest()


@dataclass(frozen=True)
class PolicyBook:
    version: str
    jurisdictions: dict[str, JurisdictionPolicy]
    requests_default: str = "GB"  # whose request rules answer an address that holds no data

    def request_rules(self, codes: object) -> list[RequestRules]:
        """The request rules of these jurisdictions (the policy's default when none is known)."""
        found = [p.requests for c in sorted(set(codes)) if (p := self.get(c)) and p.requests]  # type: ignore[call-overload]
        if not found:
            default = self.get(self.requests_default)
            found = [default.requests] if default and default.requests else []
        return found

    def get(self, code: str) -> JurisdictionPolicy | None:
        return self.jurisdictions.get(code)

    def check_types(self, code: str, requested: object) -> list[str]:
        """Validate requested check types against the jurisdiction; deny by default."""
        if not isinstance(requested, list) or not requested or not all(isinstance(t, str) for t in requested):
            raise ValidationError(
                f"Give check_types as a non-empty list drawn from: {', '.join(CHECK_TYPES)}.",
                field="check_types",
            )
        unknown = [t for t in requested if t not in CHECK_TYPES]
        if unknown:
            raise ValidationError(
                f"Unknown check type {unknown[0]!r}; use: {', '.join(CHECK_TYPES)}.", field="check_types"
            )
        policy = self.get(code)
        if policy is None:
            raise ValidationError(
                f"No background check is allowed for jurisdiction {code}: it has no policy entry.",
                field="check_types",
                code="forbidden_check_type",
            )
        for check in requested:
            if check not in policy.allowed:
                why = policy.forbidden.get(check, "not listed as allowed (deny by default)")
                raise ValidationError(
                    f"A {check} check is not allowed in {policy.name}: {why}.",
                    field="check_types",
                    code="forbidden_check_type",
                )
        return list(dict.fromkeys(requested))
