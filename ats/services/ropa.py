"""The record of processing activities (GDPR Art. 30), generated: the privacy officer's page
and `ats ropa --json` (DESIGN §9). Built on each call from the live policy tables and data
(ats.domain.ropa); the processing policy file (ats/policy/processing.json) is read and
validated once, and is also where the privacy notice takes its processing locations from."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ats.domain import ropa
from ats.domain.actors import Actor
from ats.domain.errors import NotFound
from ats.domain.model import Role
from ats.domain.retention import RETENTION_RULE
from ats.policy_loader import PolicyFileError
from ats.services import access
from ats.services.deps import Deps

# The rule every record follows until per-record rules exist (DESIGN §4 invariant 4; the notice).
CURRENT_RULES = [
    ropa.RetentionRule(
        rule=RETENTION_RULE,
        applies_to="every record of an application",
        source="Privacy notice: four years after the hiring process for the position concludes (limitation "
        "period for discrimination claims; DESIGN §4 invariant 4)",
    ),
    ropa.RetentionRule(
        rule="P7D",
        applies_to="export (a data-subject access copy)",
        source="DESIGN §11: the download link works once within 7 days",
    ),
]


class _Location(BaseModel):
    model_config = ConfigDict(extra="forbid")
    country: str = Field(pattern=r"^[A-Z]{2}$")
    name: str = Field(min_length=1)


class _Recipient(BaseModel):
    model_config = ConfigDict(extra="forbid")
    who: str = Field(min_length=1)
    why: str = Field(min_length=1)


class _Processing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    source: str = Field(min_length=1)
    processing_locations: list[_Location] = Field(min_length=1)
    categories: dict[str, list[str]]
    recipients: list[_Recipient] = Field(min_length=1)
    security: str


@lru_cache(maxsize=1)
def load_processing() -> ropa.ProcessingPolicy:
    """ats/policy/processing.json, validated (a bad file stops start-up naming it)."""
    try:
        text = resources.files("ats.policy").joinpath("processing.json").read_text("utf-8")
        data = _Processing.model_validate(json.loads(text))
    except (OSError, ValueError) as exc:
        raise PolicyFileError(f"Invalid processing policy file ats/policy/processing.json: {exc}") from None
    return ropa.ProcessingPolicy(
        version=data.version,
        source=data.source,
        processing_locations=tuple(ropa.Location(loc.country, loc.name) for loc in data.processing_locations),
        categories=dict(data.categories),
        recipients=[r.model_dump() for r in data.recipients],
        security=data.security,
    )


def retention_rules() -> list[ropa.RetentionRule]:
    """The retention table with sources (ats/policy/retention.json, validated at start-up by
    ats.policy_retention): the application's rule, then each record type's rule per
    jurisdiction (`*`: anywhere else), with its legal minimum where one applies."""
    from ats.policy_retention import retention_table

    table = retention_table()
    rules = [CURRENT_RULES[0]]
    for r in table.rules():
        source = r.source + (f" (at least {r.minimum.period.iso()}: {r.minimum.source})" if r.minimum else "")
        rules.append(ropa.RetentionRule(rule=r.label, applies_to=f"{r.record_type.value} ({r.jurisdiction})", source=source))
    return rules


async def record_of_processing(deps: Deps, actor: Actor, *, operator: bool = False) -> dict[str, Any]:
    """Privacy officers (anyone else: 404), or the operator at the CLI (`operator=True`)."""
    if not operator and access.role_of(actor) is not Role.PRIVACY_OFFICER:
        raise NotFound("This page does not exist.")
    config = deps.oversight
    return ropa.build(
        processing=load_processing(),
        policy=deps.policy,
        retention_rules=retention_rules(),
        stored=await deps.uow.repo.stored_records(),
        storage_region=config.storage_region,
        controller=config.controller,
        contact=config.privacy_contact,
        now=deps.clock.now(),
    )
