"""The panel (/admin): its page modules put together. Each module declares its routes with an
access rule (ats.web.rules); `enforce` refuses any route that has none."""

from __future__ import annotations

from starlette.routing import BaseRoute
from starlette.templating import Jinja2Templates

from admin import (
    admin_pages,
    application_pages,
    audit_pages,
    background_pages,
    dashboard_pages,
    mailbox,
    position_pages,
    request_pages,
    ropa_pages,
    session_pages,
    workflow_pages,
)
from admin.panel import Panel
from ats.services.deps import Deps
from ats.web.rules import enforce


def routes(deps: Deps, templates: Jinja2Templates, *, production: bool = False) -> list[BaseRoute]:
    panel = Panel(deps, templates, production)
    return enforce(
        [
            *session_pages.routes(panel),
            *position_pages.routes(panel),
            *application_pages.routes(panel),
            *workflow_pages.routes(panel),
            *background_pages.routes(panel),
            *admin_pages.routes(panel),
            *request_pages.routes(panel),
            *dashboard_pages.routes(panel),
            *ropa_pages.routes(panel),
            *audit_pages.routes(panel),
            *mailbox.routes(panel),  # development only
        ]
    )
