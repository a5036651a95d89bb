"""The admin's pages (issue 8, item 3; DESIGN §8): users (create, deactivate), their API
tokens (issue with an expiry, list, revoke), positions (create, close or cancel) and who is
assigned to them. No candidate data on any of them: counts only.

Every route admits admins alone (others get 404, ats.web.rules). Each action is a POST form
with the CSRF field (asgi-csrf); a refused form is shown again with its values, the message
beside the field and a 4xx status. A password or token appears once, on the answer to the
form that made it, with Cache-Control: no-store, and is neither stored nor logged."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from admin.panel import Panel, uuid_param
from ats.domain.actors import Actor
from ats.domain.errors import DomainError, NotFound, ValidationError
from ats.domain.model import JURISDICTIONS, Role
from ats.domain.tokens import DEFAULT_DAYS, MAX_DAYS
from ats.services import accounts, assignments, positions, retention, staffing
from ats.web.errors import status_for
from ats.web.rules import staff

ADMIN = staff(Role.ADMIN, why="admins manage users, tokens, positions and assignments; no candidate data")
CLOSE_OUTCOMES = ("closed", "cancelled")  # "filled" is the recruiters' conclusion
NO_STORE = {"Cache-Control": "no-store"}  # pages that show a password or a token once


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError("Send text here, not a file.", field=name)
    return value


def _problem(exc: DomainError) -> dict[str, str]:
    """Where a refusal is shown: beside its field, or at the top of the form ("form")."""
    if isinstance(exc, NotFound) and exc.field is None:
        raise exc  # an unknown id: the panel's 404 page
    return {exc.field or "form": exc.message}


def routes(panel: Panel) -> list[Route]:
    deps = panel.deps

    # ---------------------------------------------------------------- users

    async def users_page(
        request: Request, actor: Actor, status: int = 200, **extra: object
    ) -> Response:
        extra.setdefault("errors", {})
        extra.setdefault("values", {})
        listed = await accounts.list_users(deps, actor)
        return panel.page(
            request, "admin_users.html", status, actor=actor, users=listed, roles=[r.value for r in Role],
            min_password=accounts.MIN_PASSWORD, **extra,
        )

    async def users(request: Request, actor: Actor) -> Response:
        return await users_page(request, actor)

    async def create_user(request: Request, actor: Actor) -> Response:
        form = await request.form(max_files=0, max_fields=5)
        values = {name: _text(form, name) for name in ("email", "role")}
        chosen = _text(form, "password")
        # Blank: a generated password, shown once on the next page; typed: never shown again.
        password = chosen or accounts.generate_password()
        try:
            user = await accounts.create_user(
                deps, email=values["email"], role=values["role"], password=password, actor=actor
            )
        except DomainError as exc:
            return await users_page(request, actor, status_for(exc), errors=_problem(exc), values=values)
        return await user_page(request, actor, user.id, 201, created=True, password=None if chosen else password)

    async def user_page(request: Request, actor: Actor, user_id, status: int = 200, **extra: object) -> Response:  # type: ignore[no-untyped-def]
        extra.setdefault("errors", {})
        extra.setdefault("values", {})
        user, tokens = await accounts.user_account(deps, actor, user_id)
        now = deps.clock.now()
        response = panel.page(
            request, "admin_user.html", status, actor=actor, user=user,
            tokens=[(t, t.status(now)) for t in tokens], default_days=DEFAULT_DAYS, max_days=MAX_DAYS, **extra,
        )
        if any(extra.get(k) for k in ("password", "secret")):
            response.headers.update(NO_STORE)
        return response

    async def user(request: Request, actor: Actor) -> Response:
        return await user_page(request, actor, uuid_param(request, "user_id"))

    async def issue_token(request: Request, actor: Actor) -> Response:
        user_id = uuid_param(request, "user_id")
        form = await request.form(max_files=0, max_fields=5)
        values = {"days": _text(form, "days")}
        try:
            issued = await accounts.issue_token_for(deps, actor, user_id, days=values["days"])
        except DomainError as exc:
            return await user_page(request, actor, user_id, status_for(exc), errors=_problem(exc), values=values)
        return await user_page(request, actor, user_id, 201, secret=issued.secret, issued=issued.token)

    async def revoke_token(request: Request, actor: Actor) -> Response:
        user_id, token_id = uuid_param(request, "user_id"), uuid_param(request, "token_id")
        await request.form(max_files=0, max_fields=5)
        await accounts.revoke_token(deps, token_id, actor=actor, user_id=user_id)
        return RedirectResponse(f"/admin/manage/users/{user_id}", status_code=303)

    async def deactivate(request: Request, actor: Actor) -> Response:
        user_id = uuid_param(request, "user_id")
        form = await request.form(max_files=0, max_fields=5)
        try:
            if _text(form, "confirm") != "yes":
                raise ValidationError("Tick the box to confirm the deactivation.", field="confirm")
            await accounts.deactivate_user(deps, actor, user_id)
        except DomainError as exc:
            return await user_page(request, actor, user_id, status_for(exc), errors=_problem(exc))
        return RedirectResponse(f"/admin/manage/users/{user_id}", status_code=303)

    # ---------------------------------------------------------------- positions

    async def positions_page(request: Request, actor: Actor, status: int = 200, **extra: object) -> Response:
        extra.setdefault("errors", {})
        extra.setdefault("values", {})
        listed = await positions.list_with_counts(deps, actor)
        return panel.page(
            request, "admin_positions_manage.html", status, actor=actor, positions=listed,
            jurisdictions=JURISDICTIONS, max_title=positions.MAX_TITLE, **extra,
        )

    async def positions_list(request: Request, actor: Actor) -> Response:
        return await positions_page(request, actor)

    async def create_position(request: Request, actor: Actor) -> Response:
        form = await request.form(max_files=0, max_fields=5)
        values = {name: _text(form, name) for name in ("title", "jurisdiction")}
        try:
            made = await positions.create_position(deps, actor, title=values["title"], jurisdiction=values["jurisdiction"])
        except DomainError as exc:
            return await positions_page(request, actor, status_for(exc), errors=_problem(exc), values=values)
        return RedirectResponse(f"/admin/manage/positions/{made.id}", status_code=303)

    async def position_page(request: Request, actor: Actor, position_id, status: int = 200, **extra: object) -> Response:  # type: ignore[no-untyped-def]
        extra.setdefault("errors", {})
        extra.setdefault("values", {})
        view = await staffing.position_staffing(deps, actor, position_id)
        return panel.page(
            request, "admin_position_manage.html", status, actor=actor, view=view, outcomes=CLOSE_OUTCOMES, **extra
        )

    async def position(request: Request, actor: Actor) -> Response:
        return await position_page(request, actor, uuid_param(request, "position_id"))

    def _staff_change(change):  # type: ignore[no-untyped-def]
        async def handler(request: Request, actor: Actor) -> Response:
            position_id = uuid_param(request, "position_id")
            form = await request.form(max_files=0, max_fields=5)
            values = {"email": _text(form, "email")}
            try:
                await change(deps, actor, position_id, email=values["email"])
            except DomainError as exc:
                return await position_page(
                    request, actor, position_id, status_for(exc), errors=_problem(exc), values=values
                )
            return RedirectResponse(f"/admin/manage/positions/{position_id}", status_code=303)

        return handler

    async def close(request: Request, actor: Actor) -> Response:
        position_id = uuid_param(request, "position_id")
        form = await request.form(max_files=0, max_fields=5)
        values = {"outcome": _text(form, "outcome")}
        try:
            if values["outcome"] not in CLOSE_OUTCOMES:
                raise ValidationError("Choose closed or cancelled.", field="outcome")
            if _text(form, "confirm") != "yes":
                raise ValidationError("Tick the box to confirm: this cannot be undone.", field="confirm")
            await retention.conclude_position(
                deps, actor, position_id, outcome=values["outcome"], production=panel.production
            )
        except DomainError as exc:
            return await position_page(request, actor, position_id, status_for(exc), errors=_problem(exc), values=values)
        return RedirectResponse(f"/admin/manage/positions/{position_id}", status_code=303)

    return [
        panel.route("/manage/users", users, rule=ADMIN),
        panel.route("/manage/users", create_user, rule=ADMIN, methods=["POST"]),
        panel.route("/manage/users/{user_id}", user, rule=ADMIN),
        panel.route("/manage/users/{user_id}/tokens", issue_token, rule=ADMIN, methods=["POST"]),
        panel.route("/manage/users/{user_id}/tokens/{token_id}/revoke", revoke_token, rule=ADMIN, methods=["POST"]),
        panel.route("/manage/users/{user_id}/deactivate", deactivate, rule=ADMIN, methods=["POST"]),
        panel.route("/manage/positions", positions_list, rule=ADMIN),
        panel.route("/manage/positions", create_position, rule=ADMIN, methods=["POST"]),
        panel.route("/manage/positions/{position_id}", position, rule=ADMIN),
        panel.route("/manage/positions/{position_id}/assign", _staff_change(assignments.assign), rule=ADMIN, methods=["POST"]),
        panel.route(
            "/manage/positions/{position_id}/unassign", _staff_change(assignments.unassign), rule=ADMIN, methods=["POST"]
        ),
        panel.route("/manage/positions/{position_id}/close", close, rule=ADMIN, methods=["POST"]),
    ]
