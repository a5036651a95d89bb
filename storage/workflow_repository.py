"""Piccolo queries for the hiring workflow: status, referees, consents and checks."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ats.domain.background import Check, CheckStatus, ConsentRequest, ConsentStatus
from ats.domain.model import ApplicationStatus, Referee
from storage import tables as t


def _consent(row: dict[str, Any]) -> ConsentRequest:
    return ConsentRequest(**{**row, "status": ConsentStatus(row["status"]), "check_types": list(_json(row["check_types"]))})


def _check(row: dict[str, Any]) -> Check:
    return Check(**{**row, "status": CheckStatus(row["status"]), "details": dict(_json(row["details"]))})


def _json(value: Any) -> Any:
    import json

    return json.loads(value) if isinstance(value, str) else value


class WorkflowQueries:
    async def set_status(self, application_id: UUID, status: ApplicationStatus) -> None:
        await t.Application.update({t.Application.status: status.value}).where(
            t.Application.id == application_id
        ).run()

    async def add_referees(self, referees: list[Referee]) -> None:
        if referees:
            await t.Referee.insert(*[t.Referee(**vars(r)) for r in referees]).run()

    async def list_referees(self, application_id: UUID) -> list[Referee]:
        rows = await t.Referee.select().where(t.Referee.application_id == application_id).order_by(
            t.Referee.created_at
        ).run()
        return [Referee(**r) for r in rows]

    async def get_referee(self, referee_id: UUID) -> Referee | None:
        row = await t.Referee.select().where(t.Referee.id == referee_id).first().run()
        return Referee(**row) if row else None

    async def set_referee_report(self, referee_id: UUID, record_id: UUID) -> None:
        await t.Referee.update({t.Referee.report_record_id: record_id}).where(t.Referee.id == referee_id).run()

    async def add_consent(self, consent: ConsentRequest) -> None:
        await t.ConsentRequest.insert(
            t.ConsentRequest(**{**vars(consent), "status": consent.status.value})
        ).run()

    async def get_consent(self, consent_id: UUID) -> ConsentRequest | None:
        row = await t.ConsentRequest.select().where(t.ConsentRequest.id == consent_id).first().run()
        return _consent(row) if row else None

    async def list_consents(self, application_id: UUID) -> list[ConsentRequest]:
        rows = await t.ConsentRequest.select().where(
            t.ConsentRequest.application_id == application_id
        ).order_by(t.ConsentRequest.requested_at).run()
        return [_consent(r) for r in rows]

    async def update_consent(self, consent: ConsentRequest) -> None:
        await t.ConsentRequest.update(
            {
                t.ConsentRequest.status: consent.status.value,
                t.ConsentRequest.answered_at: consent.answered_at,
                t.ConsentRequest.withdrawn_at: consent.withdrawn_at,
            }
        ).where(t.ConsentRequest.id == consent.id).run()

    async def add_check(self, check: Check) -> None:
        await t.BackgroundCheck.insert(t.BackgroundCheck(**{**vars(check), "status": check.status.value})).run()

    async def get_check(self, check_id: UUID) -> Check | None:
        row = await t.BackgroundCheck.select().where(t.BackgroundCheck.id == check_id).first().run()
        return _check(row) if row else None

    async def list_checks(self, application_id: UUID) -> list[Check]:
        rows = await t.BackgroundCheck.select().where(
            t.BackgroundCheck.application_id == application_id
        ).order_by(t.BackgroundCheck.started_at).run()
        return [_check(r) for r in rows]

    async def update_checks(self, checks: list[Check]) -> None:
        for check in checks:
            await t.BackgroundCheck.update(
                {
                    t.BackgroundCheck.status: check.status.value,
                    t.BackgroundCheck.result_at: check.result_at,
                    t.BackgroundCheck.respond_by: check.respond_by,
                    t.BackgroundCheck.decided_at: check.decided_at,
                    t.BackgroundCheck.record_id: check.record_id,
                    t.BackgroundCheck.criminal_offence_data: check.criminal_offence_data,
                    t.BackgroundCheck.details: check.details,
                }
            ).where(t.BackgroundCheck.id == check.id).run()
