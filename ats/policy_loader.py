"""Load and validate the jurisdiction policy file; an invalid file stops start-up."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ats.domain import notices as n
from ats.domain.deadlines import Period, RequestRules
from ats.domain.jurisdiction import CHECK_TYPES, JurisdictionPolicy, PolicyBook
from ats.domain.model import JURISDICTIONS

CheckType = Literal["criminal", "credit", "employment", "education", "identity", "driving"]
Source = Field(min_length=8)  # every rule cites its source


class PolicyFileError(Exception):
    pass


class _Disclosure(BaseModel):
    model_config = ConfigDict(extra="forbid")
    standalone: bool
    source: str = Source
    text: str = Field(min_length=40)


class _Adverse(BaseModel):
    model_config = ConfigDict(extra="forbid")
    waiting_business_days: int = Field(ge=0, le=30)
    source: str = Source


class _Period(BaseModel):
    """Months (the ICO's calendar rule) or days, not both."""

    model_config = ConfigDict(extra="forbid")
    months: int = Field(default=0, ge=0, le=12)
    days: int = Field(default=0, ge=0, le=366)

    @model_validator(mode="after")
    def _one_unit(self) -> _Period:
        if (self.months > 0) == (self.days > 0):
            raise ValueError("give either months or days, one of them above 0")
        return self


class _Holidays(BaseModel):
    model_config = ConfigDict(extra="forbid")
    country: str = Field(pattern=r"^[A-Z]{2}$")
    subdiv: str | None

    @model_validator(mode="after")
    def _known(self) -> _Holidays:
        import holidays

        try:
            holidays.country_holidays(self.country, subdiv=self.subdiv)
        except NotImplementedError as exc:
            raise ValueError(f"the holidays library has no calendar {self.country}/{self.subdiv}: {exc}") from None
        return self


class _Requests(BaseModel):
    """Data-subject request rules (ats.domain.deadlines): the law's first and final limits."""

    model_config = ConfigDict(extra="forbid")
    first_limit: _Period
    final_limit: _Period
    extension_months: int = Field(ge=0, le=2)
    holidays: _Holidays
    source: str = Source

    @model_validator(mode="after")
    def _ordered(self) -> _Requests:
        start = date(2027, 1, 31)  # any date: compares the two lengths
        first, final = (Period(p.months, p.days).after(start) for p in (self.first_limit, self.final_limit))
        if final < first:
            raise ValueError("final_limit must not be shorter than first_limit")
        return self


class _Default(BaseModel):
    model_config = ConfigDict(extra="forbid")
    jurisdiction: str
    source: str = Source


class _Jurisdiction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=2)
    allowed: dict[CheckType, str]
    forbidden: dict[CheckType, str]
    disclosure: _Disclosure
    adverse_action: _Adverse
    keep_document: bool
    criminal_offence_condition: str | None
    requests: _Requests

    @model_validator(mode="after")
    def _sources(self) -> _Jurisdiction:
        for kind, rules in (("allowed", self.allowed), ("forbidden", self.forbidden)):
            for check, source in rules.items():
                if len(source.strip()) < 8:
                    raise ValueError(f"{kind}.{check} must cite its source")
        both = set(self.allowed) & set(self.forbidden)
        if both:
            raise ValueError(f"{sorted(both)} are both allowed and forbidden")
        return self


class _PolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str = Field(min_length=4)
    check_types: list[CheckType]
    requests_default: _Default
    jurisdictions: dict[str, _Jurisdiction]

    @model_validator(mode="after")
    def _complete(self) -> _PolicyFile:
        if tuple(self.check_types) != CHECK_TYPES:
            raise ValueError(f"check_types must be {list(CHECK_TYPES)}")
        unknown = set(self.jurisdictions) - set(JURISDICTIONS)
        if unknown:
            raise ValueError(f"unknown jurisdictions {sorted(unknown)}")
        if self.requests_default.jurisdiction not in self.jurisdictions:
            raise ValueError("requests_default.jurisdiction must be one of the table's jurisdictions")
        return self


def load_policy(path: Path | None = None) -> PolicyBook:
    try:
        if path is None:
            text = resources.files("ats.policy").joinpath("jurisdictions.json").read_text("utf-8")
        else:
            text = path.read_text("utf-8")
        data = _PolicyFile.model_validate(json.loads(text))
    except (OSError, ValueError, ValidationError) as exc:
        where = path or "ats/policy/jurisdictions.json"
        raise PolicyFileError(f"Invalid jurisdiction policy file {where}: {exc}") from None
    book = PolicyBook(
        version=data.version,
        requests_default=data.requests_default.jurisdiction,
        jurisdictions={
            code: JurisdictionPolicy(
                code=code,
                name=j.name,
                allowed=dict(j.allowed),
                forbidden=dict(j.forbidden),
                disclosure_text=j.disclosure.text,
                disclosure_source=j.disclosure.source,
                standalone_disclosure=j.disclosure.standalone,
                waiting_business_days=j.adverse_action.waiting_business_days,
                waiting_source=j.adverse_action.source,
                keep_document=j.keep_document,
                criminal_offence_condition=j.criminal_offence_condition,
                version=data.version,
                requests=_request_rules(code, j.requests),
            )
            for code, j in data.jurisdictions.items()
        },
    )
    if path is None:
        # The retention table names these jurisdictions: checked here, so it stops start-up too.
        from ats.policy_retention import load_retention

        load_retention(policy=book)
    return book


def _request_rules(code: str, r: _Requests) -> RequestRules:
    return RequestRules(
        code=code,
        first_limit=Period(r.first_limit.months, r.first_limit.days),
        final_limit=Period(r.final_limit.months, r.final_limit.days),
        extension_months=r.extension_months,
        holiday_country=r.holidays.country,
        holiday_subdiv=r.holidays.subdiv,
        source=r.source,
    )


# ---------------------------------------------------------------- notices (ats.domain.notices)


class _Notice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str = Field(min_length=4, max_length=150)
    paragraphs: list[str] = Field(min_length=1)
    includes: list[str]
    sources: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _known(self) -> _Notice:
        for text in (self.subject, *self.paragraphs):
            unknown = n.placeholders(text) - n.PLACEHOLDERS
            if unknown:
                raise ValueError(f"unknown placeholders {sorted(unknown)}")
        if set(self.includes) - n.INCLUDES:
            raise ValueError(f"includes must be drawn from {sorted(n.INCLUDES)}")
        if any(len(s.strip()) < 8 for s in self.sources):
            raise ValueError("every source must be cited")
        return self


class _JurisdictionNotices(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assessment_required: bool
    pre_adverse: _Notice
    adverse: _Notice


class _Agency(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=2)
    address: str = Field(min_length=2)
    phone: str = Field(min_length=2)
    source: str = Source


class _Summary(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Literal["A Summary of Your Rights Under the Fair Credit Reporting Act"]
    url: str = Field(pattern=r"^https://")
    source: str = Source
    text: str = Field(min_length=40)


class _Article23A(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str = Source
    factors: list[str] = Field(min_length=8, max_length=8)  # Correction Law § 753(1)(a)-(h)


class _NoticesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str = Field(min_length=4)
    consumer_reporting_agency: _Agency
    fcra_summary: _Summary
    article_23a: _Article23A
    jurisdictions: dict[str, _JurisdictionNotices]


# FCRA applies in every US jurisdiction: their pre-adverse notices must carry the report and the
# summary of rights (15 U.S.C. § 1681b(b)(3)(A)); New York City's the Article 23-A analysis.
_REQUIRED_INCLUDES = {
    "US": {"report", "fcra_summary"},
    "US-CA": {"report", "fcra_summary"},
    "US-NY-NYC": {"report", "fcra_summary", "article_23a"},
}


def load_notices(path: Path | None = None, *, policy: PolicyBook | None = None) -> n.NoticeBook:
    """The notice texts (ats/policy/notices.json), checked: one entry per jurisdiction of the
    policy, only known placeholders and blocks, each with sources, and the blocks the law needs."""
    where = path or "ats/policy/notices.json"
    try:
        if path is None:
            text = resources.files("ats.policy").joinpath("notices.json").read_text("utf-8")
        else:
            text = path.read_text("utf-8")
        data = _NoticesFile.model_validate(json.loads(text))
        codes = set((policy or load_policy()).jurisdictions)
        if set(data.jurisdictions) != codes:
            raise ValueError(f"notices must cover exactly the policy's jurisdictions {sorted(codes)}")
        for code, needed in _REQUIRED_INCLUDES.items():
            if code in data.jurisdictions:
                missing = needed - set(data.jurisdictions[code].pre_adverse.includes)
                if missing:
                    raise ValueError(f"{code}: the pre-adverse notice must include {sorted(missing)}")
                if "fcra_summary" not in data.jurisdictions[code].adverse.includes:
                    raise ValueError(f"{code}: the adverse notice must include fcra_summary")
    except (OSError, ValueError, ValidationError) as exc:
        raise PolicyFileError(f"Invalid notices file {where}: {exc}") from None

    def notice(x: _Notice) -> n.Notice:
        return n.Notice(x.subject, tuple(x.paragraphs), tuple(x.includes), tuple(x.sources))

    a, s = data.consumer_reporting_agency, data.fcra_summary
    return n.NoticeBook(
        version=data.version,
        agency=n.Agency(a.name, a.address, a.phone, a.source),
        fcra_summary=n.Summary(s.title, s.url, s.source, s.text),
        article_23a=n.Article23A(data.article_23a.source, tuple(data.article_23a.factors)),
        jurisdictions={
            code: n.JurisdictionNotices(notice(j.pre_adverse), notice(j.adverse), j.assessment_required)
            for code, j in data.jurisdictions.items()
        },
    )
