"""The audit trail page (issue 11 item 3; DESIGN §8: privacy officers only, anyone else 404):
events filtered by application, actor, action and time, keyset-paged by sequence number through
the same service as `ats audit list` (ats.services.audit.list_events). A bad filter is shown
beside its field (422) over an unfiltered first page. GET only: a filter changes nothing."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin.panel import Panel
from ats.domain.actors import Actor
from ats.domain.errors import ValidationError
from ats.domain.model import Role
from ats.ports_audit import AuditFilter
from ats.services import audit
from ats.web.rules import staff

OFFICERS = staff(Role.PRIVACY_OFFICER, why="the audit trail: who read or changed what (DESIGN §8, issue 11)")
FIELDS = ("application", "actor", "action", "since", "until")


def routes(panel: Panel) -> list[Route]:
    deps = panel.deps

    async def page(request: Request, actor: Actor) -> Response:
        asked = {name: request.query_params.get(name, "").strip()[:100] for name in FIELDS}
        after = request.query_params.get("after", "")
        problem: tuple[str | None, str] | None = None
        status = 200
        try:
            where = audit.parse_filter(**asked)
            found = await audit.list_events(deps, actor, where, after=after, limit=50)
        except ValidationError as exc:
            problem, status = (exc.field, exc.message), 422
            found = await audit.list_events(deps, actor, AuditFilter(), limit=50)
        query = urlencode({k: v for k, v in asked.items() if v})
        response = panel.page(
            request, "admin_audit.html", status, actor=actor, page=found, asked=asked, problem=problem,
            next_query=(f"{query}&" if query else "") + f"after={found.next_after}" if found.next_after else None,
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    return [panel.route("/audit", page, rule=OFFICERS)]
