"""The data-subject request endpoints of the JSON API (DESIGN §9, §11). Handlers parse, call one
service (ats.services.privacy_requests), and map errors; routes are built with the API's `api`
builder (ats.web.api), so each carries its Rule. The per-client limits on the two public POSTs
are ats.web.ratelimit's `privacy_requests` and `verification_codes`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ats.domain.errors import NotFound
from ats.domain.model import Role
from ats.domain.privacy_requests import PrivacyRequest
from ats.services import privacy_requests as service
from ats.services.deps import Deps
from ats.services.request_desk import TooManyRequests
from ats.web.api_json import json_body
from ats.web.errors import json_error
from ats.web.rules import public, staff

OFFICER = staff(Role.PRIVACY_OFFICER, why="data-subject requests are a privacy officer's (DESIGN §8)")
DECISION_INPUTS = ("changes", "compelling_ground", "which")  # for rectify, object_to_processing, withdraw_consent


def request_json(request: PrivacyRequest, *, today: date | None = None) -> dict[str, Any]:
    """A request for staff: no email, no free text beyond the recorded reasons."""
    return {
        "id": str(request.id),
        "kind": request.kind,
        "status": request.status.value,
        "received_at": request.received_at.isoformat(),
        "verified_at": request.verified_at.isoformat() if request.verified_at else None,
        "due_on": request.due_on.isoformat() if request.due_on else None,
        "extended_due_on": request.extended_due_on.isoformat() if request.extended_due_on else None,
        "overdue": request.overdue(today) if today else False,
        "applications": [str(a) for a in request.applications],
        "jurisdictions": list(request.jurisdictions),
        "extension_reason": request.extension_reason,
        "decision": request.decision,
        "decision_reason": request.decision_reason,
        "decided_at": request.decided_at.isoformat() if request.decided_at else None,
    }


def _id(request: Request) -> UUID:
    try:
        return UUID(request.path_params["request_id"])
    except ValueError:
        raise NotFound("There is no such request.") from None


def routes(deps: Deps, api: Callable[..., Route]) -> list[Route]:
    def limited(handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
        async def wrapped(request: Request) -> Response:
            try:
                return await handler(request)
            except TooManyRequests as exc:
                response = json_error(429, exc.code, exc.message)
                response.headers["Retry-After"] = str(exc.retry_after)
                return response

        return wrapped

    @limited
    async def submit(request: Request) -> Response:
        body = await json_body(request)
        created = await service.submit(
            deps, email=body.get("email"), kind=body.get("kind"), reference=body.get("reference"), details=body.get("details")
        )
        # The same answer for every address: only the id differs (DESIGN §11).
        return JSONResponse({"id": str(created.id), "status": created.status.value}, status_code=202)

    @limited
    async def verify(request: Request) -> Response:
        body = await json_body(request)
        done = await service.verify(deps, _id(request), body.get("code"))
        return JSONResponse(
            {"id": str(done.id), "status": done.status.value, "due_on": done.due_on.isoformat() if done.due_on else None}
        )

    def today() -> date:
        return deps.clock.now().date()

    async def listing(request: Request) -> Response:
        found = await service.queue(deps, request.state.actor, status=request.query_params.get("status"))
        return JSONResponse({"requests": [request_json(r, today=today()) for r in found]})

    async def one(request: Request) -> Response:
        return JSONResponse(request_json(await service.get(deps, request.state.actor, _id(request)), today=today()))

    async def extension(request: Request) -> Response:
        body = await json_body(request)
        after = await service.extend(
            deps, request.state.actor, _id(request), months=body.get("months"), reason=body.get("reason")
        )
        return JSONResponse(request_json(after, today=today()))

    async def decision(request: Request) -> Response:
        body = await json_body(request)
        inputs = {k: body[k] for k in DECISION_INPUTS if k in body}
        after, outcome = await service.decide(
            deps, request.state.actor, _id(request), decision=body.get("decision"), reason=body.get("reason"), **inputs
        )
        return JSONResponse({**request_json(after, today=today()), "outcome": {"fulfilled": outcome.fulfilled, "reason": outcome.reason}})

    anyone = public("anyone may make a data-subject request (verified by a mailed code)")
    return [
        api("/privacy-requests", submit, rule=anyone, methods=["POST"]),
        api("/privacy-requests", listing, rule=OFFICER, methods=["GET"]),
        api("/privacy-requests/{request_id}/verification", verify, rule=anyone, methods=["POST"]),
        api("/privacy-requests/{request_id}", one, rule=OFFICER, methods=["GET"]),
        api("/privacy-requests/{request_id}/extension", extension, rule=OFFICER, methods=["POST"]),
        api("/privacy-requests/{request_id}/decision", decision, rule=OFFICER, methods=["POST"]),
    ]
