"""Load and validate the retention table (ats/policy/retention.json, DESIGN §12); an invalid file
stops start-up (ats.policy_loader.load_policy loads it beside the jurisdiction table)."""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ats.domain.jurisdiction import PolicyBook
from ats.domain.model import RecordType
from ats.domain.retention import RETENTION_RULE
from ats.domain.retention_rules import Anchor, Minimum, Period, RetentionTable, Rule
from ats.policy_loader import PolicyFileError, load_policy

Source = Field(min_length=8)  # every rule cites its source


class _Minimum(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: str
    source: str = Source


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record_type: RecordType
    jurisdiction: str = Field(min_length=1)
    anchor: Anchor | None = None
    period: str | None = None
    stored: bool = True
    source: str = Source
    minimum: _Minimum | None = None

    @model_validator(mode="after")
    def _shape(self) -> _Rule:
        if self.stored and (self.anchor is None or self.period is None):
            raise ValueError(f"{self.record_type.value} in {self.jurisdiction}: give anchor and period")
        if not self.stored and (self.anchor or self.period or self.minimum):
            raise ValueError(f"{self.record_type.value} in {self.jurisdiction}: a record not stored has no period")
        return self


class _Application(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: str
    source: str = Source


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str = Field(min_length=4)
    application: _Application
    rules: list[_Rule]


def _rule(r: _Rule) -> Rule:
    if not r.stored:
        # Never kept here (the jurisdiction table forbids a copy): should one exist, it is due at once.
        return Rule(r.record_type, r.jurisdiction, Anchor.CREATED, Period(), r.source)
    minimum = Minimum(Period.parse(r.minimum.period), r.minimum.source) if r.minimum else None
    return Rule(r.record_type, r.jurisdiction, r.anchor, Period.parse(r.period or ""), r.source, minimum)  # type: ignore[arg-type]


def load_retention(path: Path | None = None, *, policy: PolicyBook) -> RetentionTable:
    where = path or "ats/policy/retention.json"
    try:
        if path is None:
            text = resources.files("ats.policy").joinpath("retention.json").read_text("utf-8")
        else:
            text = path.read_text("utf-8")
        data = _File.model_validate(json.loads(text))
        if data.application.rule != RETENTION_RULE:
            raise ValueError(f"the application rule is {RETENTION_RULE} (ats.domain.retention)")
        table = RetentionTable(data.version, [_rule(r) for r in data.rules], set(policy.jurisdictions))
        # Agree with the jurisdiction table: where no copy of a check result may be kept, the
        # retention table says so too (a rule of its own, not the default).
        for code, jurisdiction in policy.jurisdictions.items():
            if not jurisdiction.keep_document:
                rule = table.rule_for(RecordType.BACKGROUND_CHECK_REPORT, code)
                if rule.jurisdiction != code or rule.period != Period():
                    raise ValueError(f"{code} keeps no check result: give background-check-report there stored false")
    except (OSError, ValueError, ValidationError) as exc:
        raise PolicyFileError(f"Invalid retention file {where}: {exc}") from None
    return table


@functools.cache
def retention_table() -> RetentionTable:
    """The shipped table, loaded once per process (and first at start-up, by load_policy)."""
    return load_retention(policy=load_policy())
