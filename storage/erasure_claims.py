"""The second half of every erasure claim (expiry's `claim_due`, a right's `claim_applications`):
stamp the chosen application rows with the worker's claim, read their exact object versions and
destroy their data keys (crypto-shredding first, DESIGN §5), in the caller's transaction. A
fixed number of statements whatever the batch (DESIGN §7)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ats.ports import Claimed
from storage import tables as t

# The columns a claim reads; `erasure_reason` is what a lapsed claim on request carries over.
CLAIM_COLUMNS = (
    t.Application.id,
    t.Application.reference,
    t.Application.position_id,
    t.Application.person_id,
    t.Application.submitted_at,
    t.Application.retention_until,
    t.Application.erasure_reason,
)


async def stamp_and_shred(
    apps: list[dict[str, Any]], *, worker: str, now: datetime, lease_until: datetime, reason: str | None = None
) -> list[Claimed]:
    """Claim `apps` (rows of CLAIM_COLUMNS, locked by the caller) for `worker`. With a `reason`
    (an erasure on request) it is stored on the rows; without, each keeps the reason it had."""
    ids = [a["id"] for a in apps]
    if not ids:
        return []
    stamp: dict[Any, Any] = {
        t.Application.erasure_claim: worker,
        t.Application.erasure_claim_expires: lease_until,
        t.Application.erasure_started_at: now,
    }
    if reason is not None:
        stamp[t.Application.erasure_reason] = reason
    await t.Application.update(stamp).where(t.Application.id.is_in(ids)).run()
    versions = await t.Record.select(
        t.Record.application_id, t.Record.object_key, t.Record.version_id
    ).where(t.Record.application_id.is_in(ids)).run()
    await t.DataKey.delete().where(t.DataKey.application_id.is_in(ids)).run()
    by_app: dict[UUID, list[tuple[str, str]]] = {i: [] for i in ids}
    for v in versions:
        by_app[v["application_id"]].append((v["object_key"], v["version_id"]))
    return [
        Claimed(
            application_id=a["id"],
            reference=a["reference"],
            position_id=a["position_id"],
            person_id=a["person_id"],
            submitted_at=a["submitted_at"],
            retention_until=a["retention_until"],
            versions=by_app[a["id"]],
            reason=reason if reason is not None else a["erasure_reason"],
        )
        for a in apps
    ]
