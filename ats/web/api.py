"""The JSON API (/api/v1). Handlers parse, call one service, and map errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from uuid import UUID

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ats.domain.actors import Actor
from ats.domain.errors import DomainError, NotFound, Unauthorized, ValidationError
from ats.domain.model import Role
from ats.services import (
    accounts,
    applications,
    background,
    consents,
    pipeline,
    positions,
    references,
    restrictions,
    retention,
    workflow,
)
from ats.services.deps import Deps
from ats.services.links import candidate_link
from ats.web import api_requests
from ats.web.api_json import (
    application_detail_json,
    application_json,
    check_json,
    consent_json,
    json_body,
    position_json,
)
from ats.web.errors import json_domain_error, json_error
from ats.web.forms import parse_multipart, referees_from, text_fields, upload_from
from ats.web.openapi import openapi_document
from ats.web.rules import CANDIDATE_DATA, HIRING, Rule, guarded, public, staff

FIELDS = ("full_name", "email", "phone", "country", "privacy_notice_acknowledged", "talent_pool_consent")
Handler = Callable[[Request], Awaitable[Response]]


def _uuid(request: Request, name: str, what: str) -> UUID:
    try:
        return UUID(request.path_params[name])
    except ValueError:
        raise NotFound(f"There is no such {what}.") from None


def routes(deps: Deps, *, production: bool = False) -> list[Route]:
    async def bearer(request: Request) -> Actor:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Send an API token as `Authorization: Bearer <token>`.")
        return await accounts.actor_for_token(deps, token.strip())

    def api(path: str, handler: Handler, *, rule: Rule, methods: list[str] | None = None) -> Route:
        """A route with its access rule: staff rules take a bearer token (401 without a valid
        one) and answer 404 to a role the rule does not admit; domain errors map to JSON."""

        async def endpoint(request: Request) -> Response:
            try:
                if not rule.public:
                    actor = await bearer(request)
                    if not rule.admits(actor.role):
                        raise NotFound("There is no such API endpoint.")
                    request.state.actor = actor
                return await handler(request)
            except DomainError as exc:
                return json_domain_error(exc)

        return guarded(path, endpoint, rule=rule, methods=methods)

    async def list_open_positions(request: Request) -> Response:
        return JSONResponse({"positions": [position_json(p) for p in await positions.list_open_positions(deps)]})

    async def submit(request: Request) -> Response:
        position_id = _uuid(request, "position_id", "position")
        form = await parse_multipart(request)
        submitted = await applications.submit_application(
            deps,
            position_id=position_id,
            fields=text_fields(form, FIELDS),
            cv=await upload_from(form, "cv"),
            cover_letter=await upload_from(form, "cover_letter"),
            referees=referees_from(form),
        )
        return JSONResponse({"id": str(submitted.id), "reference": submitted.reference}, status_code=201)

    async def position_applications(request: Request) -> Response:
        actor: Actor = request.state.actor
        query = request.query_params
        listed = await pipeline.pipeline_page(
            deps,
            actor,
            _uuid(request, "position_id", "position"),
            status=query.get("status"),
            reference=query.get("reference"),
            after=query.get("after"),
            limit=query.get("limit"),
        )
        return JSONResponse(
            {
                "position": position_json(listed.position),
                "counts": {status.value: n for status, n in listed.counts},
                "applications": [application_json(card.application) for card in listed.cards],
                "next": listed.next,
            }
        )

    async def get_application(request: Request) -> Response:
        actor: Actor = request.state.actor
        detail = await applications.application_detail(deps, actor, _uuid(request, "application_id", "application"))
        return JSONResponse(application_detail_json(detail))

    async def record_content(request: Request) -> Response:
        actor: Actor = request.state.actor
        record, content = await applications.read_document(deps, actor, _uuid(request, "record_id", "record"))
        return Response(
            content,
            media_type=record.content_type,
            headers={"Content-Disposition": "attachment", "Cache-Control": "no-store"},
        )

    async def conclude(request: Request) -> Response:
        actor: Actor = request.state.actor
        body = await json_body(request)
        at = body.get("at")
        moment = None
        if at is not None:
            try:
                moment = datetime.fromisoformat(str(at))
            except ValueError:
                raise ValidationError("`at` must be an ISO 8601 time with a zone.", field="at") from None
        result = await retention.conclude_position(
            deps,
            actor,
            _uuid(request, "position_id", "position"),
            outcome=str(body.get("outcome", "")),
            at=moment,
            production=production,
        )
        return JSONResponse(
            {
                "outcome": result.outcome.value,
                "concluded_at": result.concluded_at.isoformat(),
                "retention_until": result.retention_until.isoformat(),
            }
        )

    async def legal_hold(request: Request) -> Response:
        actor: Actor = request.state.actor
        body = await json_body(request)
        await retention.set_legal_hold(
            deps,
            actor,
            _uuid(request, "application_id", "application"),
            reason=body.get("reason"),
            hold=request.method == "PUT",
        )
        return JSONResponse({"legal_hold": request.method == "PUT"})

    async def lift_restriction(request: Request) -> Response:
        # GDPR Art. 18(3): the person is mailed before the restriction goes (ats.services.restrictions).
        body = await json_body(request)
        application_id = _uuid(request, "application_id", "application")
        await restrictions.lift(deps, request.state.actor, application_id, reason=body.get("reason"))
        return JSONResponse({"restricted": False})

    async def transition(request: Request) -> Response:
        actor: Actor = request.state.actor
        body = await json_body(request)
        moved = await workflow.transition(
            deps, actor, _uuid(request, "application_id", "application"), to=body.get("to"), reason=body.get("reason")
        )
        result: dict = {"id": str(moved.application_id), "from": moved.from_status.value, "status": moved.status.value}
        if moved.offer_token:
            result["offer_link"] = candidate_link(deps.public_url, "offer", moved.offer_token)
        return JSONResponse(result)

    async def add_referees(request: Request) -> Response:
        actor: Actor = request.state.actor
        body = await json_body(request)
        items = body.get("referees", [body] if "full_name" in body else None)
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ValidationError("Give `referees` as a list of {full_name, email, relationship}.", field="referees")
        added = await references.add_referees(deps, actor, _uuid(request, "application_id", "application"), items)
        return JSONResponse({"referees": [{"id": str(r.id)} for r in added]}, status_code=201)

    async def reference_report(request: Request) -> Response:
        actor: Actor = request.state.actor
        body = await json_body(request)
        record_id = await references.record_reference(
            deps,
            actor,
            _uuid(request, "application_id", "application"),
            _uuid(request, "referee_id", "referee"),
            body.get("answers"),
        )
        return JSONResponse({"record_id": str(record_id)}, status_code=201)

    async def consent_request(request: Request) -> Response:
        actor: Actor = request.state.actor
        body = await json_body(request)
        consent, token = await consents.request_consent(
            deps, actor, _uuid(request, "application_id", "application"), body.get("check_types")
        )
        return JSONResponse(
            {**consent_json(consent), "link": candidate_link(deps.public_url, "consent", token)}, status_code=201
        )

    async def background_overview(request: Request) -> Response:
        actor: Actor = request.state.actor
        consents, checks = await background.overview(deps, actor, _uuid(request, "application_id", "application"))
        return JSONResponse(
            {"consent_requests": [consent_json(c) for c in consents], "checks": [check_json(c) for c in checks]}
        )

    async def start_check(request: Request) -> Response:
        actor: Actor = request.state.actor
        body = await json_body(request)
        check = await background.start_check(
            deps,
            actor,
            _uuid(request, "application_id", "application"),
            consent_id=body.get("consent_request_id"),
            check_type=body.get("check_type"),
        )
        return JSONResponse(check_json(check), status_code=201)

    async def check_result(request: Request) -> Response:
        actor: Actor = request.state.actor
        form = await parse_multipart(request, max_files=1)
        upload = await upload_from(form, "document")
        fields = text_fields(form, ("result", "seen", "satisfactory"))
        check = await background.record_result(
            deps,
            actor,
            _uuid(request, "check_id", "check"),
            result=fields["result"],
            document=(upload.filename, upload.data) if upload else None,
            seen=fields["seen"],
            satisfactory=fields["satisfactory"],
        )
        return JSONResponse(check_json(check))

    async def pre_adverse(request: Request) -> Response:
        actor: Actor = request.state.actor
        # Optional body {"assessment": ...}: New York City's Article 23-A analysis (ats.domain.notices).
        body = await json_body(request) if await request.body() else {}
        check = await background.send_pre_adverse_notice(
            deps, actor, _uuid(request, "check_id", "check"), assessment=body.get("assessment")
        )
        return JSONResponse(check_json(check))

    async def decision(request: Request) -> Response:
        actor: Actor = request.state.actor
        body = await json_body(request)
        check = await background.decide(deps, actor, _uuid(request, "check_id", "check"), decision=body.get("decision"))
        return JSONResponse(check_json(check))

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document())

    async def not_found(request: Request) -> Response:
        return json_error(404, "not_found", "There is no such API endpoint.")

    recruiter = staff(Role.RECRUITER, why="the hiring workflow of assigned open positions")
    bg_readers = staff(Role.RECRUITER, Role.PRIVACY_OFFICER, why="background-check material (criminal-offence data)")
    return [
        api("/openapi.json", openapi, rule=public("the API's description")),
        api("/positions", list_open_positions, rule=public("open positions")),
        api("/positions/{position_id}/applications", submit, rule=public("applying"), methods=["POST"]),
        api(
            "/positions/{position_id}/applications",
            position_applications,
            rule=Rule(CANDIDATE_DATA, "applications of a position in the caller's scope"),
            methods=["GET"],
        ),
        api(
            "/applications/{application_id}",
            get_application,
            rule=Rule(CANDIDATE_DATA, "an application in the caller's scope"),
        ),
        api(
            "/records/{record_id}/content",
            record_content,
            rule=Rule(CANDIDATE_DATA, "a record the caller's role and scope allow (audited)"),
        ),
        api(
            "/positions/{position_id}/conclusion",
            conclude,
            rule=staff(Role.RECRUITER, Role.ADMIN, why="recruiters conclude their positions; admins any"),
            methods=["POST"],
        ),
        api(
            "/applications/{application_id}/transitions",
            transition,
            rule=Rule(HIRING, "the hiring workflow (hiring managers: early stages only)"),
            methods=["POST"],
        ),
        api("/applications/{application_id}/referees", add_referees, rule=recruiter, methods=["POST"]),
        api(
            "/applications/{application_id}/referees/{referee_id}/report",
            reference_report,
            rule=recruiter,
            methods=["POST"],
        ),
        api(
            "/applications/{application_id}/background-check/consent-requests",
            consent_request,
            rule=recruiter,
            methods=["POST"],
        ),
        api("/applications/{application_id}/background-check", background_overview, rule=bg_readers),
        api("/applications/{application_id}/background-check/checks", start_check, rule=recruiter, methods=["POST"]),
        api("/checks/{check_id}/result", check_result, rule=recruiter, methods=["POST"]),
        api("/checks/{check_id}/pre-adverse-notice", pre_adverse, rule=recruiter, methods=["POST"]),
        api("/checks/{check_id}/decision", decision, rule=recruiter, methods=["POST"]),
        api(
            "/applications/{application_id}/legal-hold",
            legal_hold,
            rule=staff(Role.PRIVACY_OFFICER, why="legal holds (GDPR Art. 17(3)(e))"),
            methods=["PUT", "DELETE"],
        ),
        api(
            "/applications/{application_id}/restriction",
            lift_restriction,
            rule=staff(Role.PRIVACY_OFFICER, why="lifting a restriction (GDPR Art. 18(3))"),
            methods=["DELETE"],
        ),
        *api_requests.routes(deps, api),  # data-subject requests (DESIGN §9, §11)
        api(
            "/{path:path}",
            not_found,
            rule=public("unknown endpoints answer 404"),
            methods=["GET", "POST", "PUT", "DELETE", "PATCH"],
        ),
    ]
