"""`ats requests list [--status S] [--json]`: data-subject requests with their due dates
(DESIGN §9), soonest due first, overdue ones marked. No email address is printed."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ats.domain.privacy_requests import RequestStatus


def cmd_requests_list(args: argparse.Namespace) -> None:
    from ats.cli import _operator, _run
    from ats.services import privacy_requests
    from ats.web.api_requests import request_json

    def work(c: Any) -> Any:
        return privacy_requests.queue(c.deps, _operator(), status=args.status)

    found = _run(lambda c: _listed(c, work))
    rows, today = found
    if args.json:
        print(json.dumps({"requests": [request_json(r, today=today) for r in rows]}, indent=2))
        return
    for r in rows:
        due = r.current_due_on.isoformat() if r.current_due_on else "-"
        flag = "  OVERDUE" if r.overdue(today) else ""
        print(f"{r.id}  {r.kind:<16} {r.status.value:<22} due {due}{flag}")


async def _listed(container: Any, work: Any) -> tuple[list[Any], Any]:
    return await work(container), container.deps.clock.now().date()


def register(subparsers: Any) -> None:
    requests = subparsers.add_parser("requests", help="data-subject requests").add_subparsers(
        dest="requests_command", required=True
    )
    listing = requests.add_parser("list", help="requests with their due dates, soonest first")
    listing.add_argument("--status", choices=[s.value for s in RequestStatus])
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_requests_list)
