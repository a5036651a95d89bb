"""Load and validate the jurisdiction policy file; an invalid file stops start-up."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

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


class _Jurisdiction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=2)
    allowed: dict[CheckType, str]
    forbidden: dict[CheckType, str]
    disclosure: _Disclosure
    adverse_action: _Adverse
    keep_document: bool
    criminal_offence_condition: str | None

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
    jurisdictions: dict[str, _Jurisdiction]

    @model_validator(mode="after")
    def _complete(self) -> _PolicyFile:
        if tuple(self.check_types) != CHECK_TYPES:
            raise ValueError(f"check_types must be {list(CHECK_TYPES)}")
        unknown = set(self.jurisdictions) - set(JURISDICTIONS)
        if unknown:
            raise ValueError(f"unknown jurisdictions {sorted(unknown)}")
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
    return PolicyBook(
        version=data.version,
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
            )
            for code, j in data.jurisdictions.items()
        },
    )
