"""Storing one more record for an existing application: object first, then its row (§5)."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import uuid4

from ats.domain.errors import NotFound
from ats.domain.model import Application, Record, RecordType
from ats.domain.records import new_record
from ats.policy_retention import retention_table
from ats.ports import Repository
from ats.services.deps import Deps


async def store_record(
    deps: Deps,
    application: Application,
    record_type: RecordType,
    content: bytes,
    *,
    content_type: str,
    filename: str,
    then: Callable[[Repository, Record], Awaitable[Any]],
) -> Record:
    """Encrypt and put the object, then in one transaction add its row and run `then` (the
    caller's own row changes and audit events). If the transaction fails the object is deleted."""
    repo = deps.uow.repo
    position = await repo.get_position(application.position_id)
    key_row = await repo.get_data_key(application.id)
    if position is None or key_row is None:
        raise NotFound("This application's data is no longer available.")
    record = new_record(
        record_id=uuid4(),
        application_id=application.id,
        record_type=record_type,
        jurisdiction=position.jurisdiction,
        content_type=content_type,
        filename=filename,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        now=deps.clock.now(),
        # Its own rule from the retention table (DESIGN §12), anchored on this moment and on
        # the position's conclusion when it has one.
        rule=retention_table().rule_for(record_type, position.jurisdiction),
        hiring_concluded_at=position.concluded_at,
    )
    key = await deps.blocking(deps.vault.unwrap, application.id, key_row.wrapped_key)
    record.version_id = await deps.blocking(deps.vault.store, key, record, content)
    try:
        async with deps.uow.transaction() as tx:
            await tx.add_records([record])
            await then(tx, record)
    except BaseException:
        await deps.blocking(deps.vault.discard, [record])
        raise
    return record
