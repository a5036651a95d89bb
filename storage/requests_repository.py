"""Piccolo queries for data-subject requests (ats.ports_requests), mixed into PiccoloRepository."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from piccolo.engine import PostgresEngine

from ats.domain.privacy_requests import PrivacyRequest, RequestStatus
from storage import tables as t

FAR = date(9999, 12, 31)


def _as_date(value: Any) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value))


def request_from(row: dict[str, Any]) -> PrivacyRequest:
    apps = row["applications"] or ""
    codes = row["jurisdictions"] or ""
    return PrivacyRequest(
        **{
            **row,
            "status": RequestStatus(row["status"]),
            "due_on": _as_date(row["due_on"]),
            "extended_due_on": _as_date(row["extended_due_on"]),
            "applications": tuple(UUID(a) for a in apps.split(",") if a),
            "jurisdictions": tuple(c for c in codes.split(",") if c),
        }
    )


def request_values(request: PrivacyRequest) -> dict[str, Any]:
    values = dict(vars(request))
    values["status"] = request.status.value
    values["applications"] = ",".join(str(a) for a in request.applications)
    values["jurisdictions"] = ",".join(request.jurisdictions)
    return values


def queue_key(request: PrivacyRequest) -> tuple[int, date, datetime]:
    due = request.current_due_on
    return (due is None, due or FAR, request.received_at)


class RequestQueries:
    engine: Any

    async def add_privacy_request(self, request: PrivacyRequest) -> None:
        await t.PrivacyRequest.insert(t.PrivacyRequest(**request_values(request))).run()

    async def get_privacy_request(self, request_id: UUID, *, lock: bool = False) -> PrivacyRequest | None:
        query = t.PrivacyRequest.select().where(t.PrivacyRequest.id == request_id)
        if lock and isinstance(self.engine, PostgresEngine):
            query = query.lock_rows("UPDATE")
        row = await query.first().run()
        return request_from(row) if row else None

    async def save_privacy_request(self, request: PrivacyRequest) -> None:
        values = request_values(request)
        values.pop("id")
        await t.PrivacyRequest.update({getattr(t.PrivacyRequest, k): v for k, v in values.items()}).where(
            t.PrivacyRequest.id == request.id
        ).run()

    async def list_privacy_requests(self, *, status: str | None = None, limit: int = 500) -> list[PrivacyRequest]:
        query = t.PrivacyRequest.select()
        if status is not None:
            query = query.where(t.PrivacyRequest.status == status)
        rows = [request_from(r) for r in await query.run()]
        # The sort is done here (COALESCE of two dates, NULLs last, alike on both databases);
        # the queue holds open cases, a few hundred at most.
        return sorted(rows, key=queue_key)[:limit]

    async def applications_of_email(self, email: str, *, reference: str | None = None) -> list[tuple[UUID, str]]:
        persons = await t.Person.select(t.Person.id).where(t.Person.email == email).run()
        if not persons:
            return []
        query = t.Application.select(t.Application.id, t.Application.position_id).where(
            t.Application.person_id.is_in([p["id"] for p in persons])
        )
        if reference is not None:
            query = query.where(t.Application.reference == reference)
        apps = await query.run()
        if not apps:
            return []
        positions = await t.Position.select(t.Position.id, t.Position.jurisdiction).where(
            t.Position.id.is_in(list({a["position_id"] for a in apps}))
        ).run()
        where = {p["id"]: p["jurisdiction"] for p in positions}
        return sorted((a["id"], where[a["position_id"]]) for a in apps)
