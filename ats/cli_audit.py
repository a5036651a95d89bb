"""`ats audit list` and `ats audit verify` (DESIGN §9; ats.services.audit).

list: events in sequence order, filtered, keyset-paged (`--after` the last seq shown; the JSON
names `next_after`). verify: streams the chain against the signed checkpoints; exit 1 naming
the first bad sequence number, 2 when there is no signing key to verify with."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def cmd_audit_list(args: argparse.Namespace) -> None:
    from ats.cli import _run
    from ats.services import audit

    where = audit.parse_filter(
        application=args.application, actor=args.actor, action=args.action, since=args.since, until=args.until
    )
    page = _run(lambda c: audit.list_events(c.deps, None, where, after=args.after, limit=args.limit))
    if args.json:
        print(json.dumps({"events": [audit.event_dict(e) for e in page.events], "next_after": page.next_after}))
        return
    for e in page.events:
        ids = " ".join(f"{k}={v}" for k, v in (("application", e.application_id), ("record", e.record_id)) if v)
        print(f"{e.seq:>10} {e.at.isoformat()} {e.actor:<44} {e.action:<36} {ids}")
    if page.next_after is not None:
        print(f"more: --after {page.next_after}", file=sys.stderr)


def cmd_audit_verify(args: argparse.Namespace) -> None:
    from ats.cli import EXIT_FAILED, EXIT_USAGE, _run
    from ats.services import audit

    try:
        report = _run(lambda c: audit.verify(c.deps))
    except audit.Unverifiable as exc:
        print(f"ats: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None
    if args.json:
        print(json.dumps(report.as_dict()))
    else:
        latest = report.latest_checkpoint
        where = f"checkpoint {latest['number']} at seq {latest['seq']} ({latest['at']})" if latest else "no checkpoint yet"
        print(f"{report.events} events (head seq {report.head_seq}), {report.checkpoints} checkpoints, latest {where}")
    if not report.ok:
        for problem in report.problems:
            print(f"ats: audit chain broken at seq {problem.seq}: {problem.kind}: {problem.message}", file=sys.stderr)
        print(f"ats: first bad sequence number: {report.first_bad_seq}", file=sys.stderr)
        raise SystemExit(EXIT_FAILED)


def register(subparsers: Any) -> None:
    audit = subparsers.add_parser("audit", help="the audit trail: list and verify").add_subparsers(
        dest="audit_command", required=True
    )
    listing = audit.add_parser("list", help="audit events, filtered, in sequence order")
    listing.add_argument("--application", help="an application id")
    listing.add_argument("--actor", help="e.g. user:<id>, cli:<login>, system, candidate")
    listing.add_argument("--action", help="e.g. record.downloaded")
    listing.add_argument("--since", help="ISO time (inclusive)")
    listing.add_argument("--until", help="ISO time (exclusive)")
    listing.add_argument("--limit", default="50", help="events per page (1-1000, default 50)")
    listing.add_argument("--after", default="0", help="the last seq of the previous page")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_audit_list)
    verify = audit.add_parser("verify", help="check the chain against its signed checkpoints")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(func=cmd_audit_verify)
