"""Pages a candidate reaches through a signed link: the offer answer and background-check
consent (authorise, decline, later withdraw). Forms work without JavaScript."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from ats.domain.errors import DomainError, ValidationError
from ats.services import background, consents, workflow
from ats.services.audit import candidate_link_read
from ats.services.deps import Deps
from ats.services.links import LINK_PATHS
from ats.web.errors import status_for
from ats.web.rules import guarded, public

# Candidates reach these pages by a signed link: the token is the credential, checked by the service.
LINK = public("a candidate's signed link")


def routes(deps: Deps, templates: Jinja2Templates) -> list[Route]:
    def page(request: Request, name: str, status: int = 200, **context: object) -> Response:
        context.setdefault("csrftoken", request.scope["csrftoken"]())
        return templates.TemplateResponse(request, name, context, status_code=status)

    def error(request: Request, exc: DomainError) -> Response:
        return page(request, "error.html", status_for(exc), title="This link cannot be used", message=exc.message)

    async def offer_page(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            application = await workflow.offer_for_token(deps, token)
            position = await deps.uow.repo.get_position(application.position_id)
            await candidate_link_read(deps, application.id)  # a read of the candidate's data: audited
        except DomainError as exc:
            return error(request, exc)
        return page(request, "offer.html", application=application, position=position, token=token, done=None)

    async def offer_answer(request: Request) -> Response:
        token = request.path_params["token"]
        form = await request.form(max_files=0, max_fields=5)
        decision = form.get("decision")
        try:
            if decision not in ("accept", "decline"):
                raise ValidationError("Choose to accept or to decline the offer.", field="decision")
            moved = await workflow.answer_offer(deps, token, accept=decision == "accept")
            application = await workflow.offer_for_token(deps, token)
            position = await deps.uow.repo.get_position(application.position_id)
        except DomainError as exc:
            return error(request, exc)
        return page(request, "offer.html", application=application, position=position, token=token, done=moved.status.value)

    def consent_page(request: Request, view: consents.ConsentPage, status: int = 200, **context: object) -> Response:
        standalone = (
            view.policy is not None and view.policy.standalone_disclosure and view.consent.status.value == "requested"
        )
        name = "consent_standalone.html" if standalone else "consent.html"
        context.setdefault("errors", {})
        context.setdefault("typed_name", "")
        return page(request, name, status, view=view, **context)

    async def consent_view(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            view = await consents.consent_page(deps, token, withdrawing=True)
            if view.consent.status.value == "requested":
                # Unanswered: the short answer window applies, not the withdrawal window.
                view = await consents.consent_page(deps, token)
            await candidate_link_read(deps, view.application.id)  # audited like the offer page
        except DomainError as exc:
            return error(request, exc)
        return consent_page(request, view)

    async def consent_answer(request: Request) -> Response:
        token = request.path_params["token"]
        form = await request.form(max_files=0, max_fields=6)
        action = form.get("action")
        typed = form.get("typed_name")
        try:
            if action == "withdraw":
                await consents.withdraw_consent(deps, token)
            elif action in ("authorise", "decline"):
                await consents.answer_consent(
                    deps,
                    token,
                    authorise=action == "authorise",
                    typed_name=typed,
                    confirmed=form.get("confirmed"),
                )
            else:
                raise ValidationError("Choose to authorise, decline or withdraw.", field="action")
            view = await consents.consent_page(deps, token, withdrawing=True)
        except ValidationError as exc:
            try:
                # The form is redisplayed only under a valid link; a bad link is its own answer.
                view = await consents.consent_page(deps, token, withdrawing=True)
            except DomainError as link_error:
                return error(request, link_error)
            return consent_page(
                request,
                view,
                422,
                errors={exc.field or "action": exc.message},
                typed_name=typed if isinstance(typed, str) else "",
            )
        except DomainError as exc:
            return error(request, exc)
        return consent_page(request, view)

    async def report_copy(request: Request) -> Response:
        """The candidate's copy of a background-check report, from the pre-adverse notice's link
        (FCRA 15 U.S.C. § 1681b(b)(3)(A)); the service checks the link and audits the read."""
        try:
            record, content = await background.report_for_candidate(deps, request.path_params["token"])
        except DomainError as exc:
            return error(request, exc)
        # A download, never rendered here: no-store, and a sandbox should a browser open it anyway.
        headers = {
            "Content-Disposition": "attachment",
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        }
        return Response(content, media_type=record.content_type, headers=headers)

    return [
        guarded(LINK_PATHS["offer"] + "{token}", offer_page, rule=LINK, methods=["GET"], name="offer_page"),
        guarded(LINK_PATHS["offer"] + "{token}", offer_answer, rule=LINK, methods=["POST"]),
        guarded(LINK_PATHS["consent"] + "{token}", consent_view, rule=LINK, methods=["GET"], name="consent_page"),
        guarded(LINK_PATHS["consent"] + "{token}", consent_answer, rule=LINK, methods=["POST"]),
        guarded(LINK_PATHS["report"] + "{token}", report_copy, rule=LINK, methods=["GET"]),
    ]
