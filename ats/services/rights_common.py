"""Helpers shared by the rights services (ats.services.rights, ats.services.rights_rectify)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from ats.domain.actors import Actor
from ats.domain.errors import Forbidden
from ats.domain.model import Application, Record, Role
from ats.domain.rights import Subject
from ats.services import access
from ats.services.deps import Deps


def require_officer(actor: Actor) -> None:
    """Fulfilment is a privacy officer's decision (DESIGN §8); the requests service checks it
    too, this is the second lock on the door."""
    if access.role_of(actor) is not Role.PRIVACY_OFFICER:
        raise Forbidden("Only a privacy officer can fulfil a data-subject request.")


def ids(subject: Subject, **more: object) -> dict:
    return {"request": str(subject.request_id), **more}


async def applications(deps: Deps, application_ids: Sequence[UUID]) -> list[Application]:
    found = [await deps.uow.repo.get_application(i) for i in dict.fromkeys(application_ids)]
    return [a for a in found if a is not None]


async def delete_all_versions(deps: Deps, records: Sequence[Record]) -> None:
    """Every S3 version of each record's object key (not only the one the row names), so no
    older copy outlives the record; failures are left to the orphan sweep (no row points at
    them any more)."""
    if not records:
        return
    items: set[tuple[str, str]] = set()
    for record in records:
        items.add((record.object_key, record.version_id))
        listed = await deps.blocking(deps.vault.list_versions, record.object_key)
        items.update((v.key, v.version_id) for v in listed if v.key == record.object_key)
    await deps.blocking(deps.vault.delete_versions, sorted(items))
