"""`ats ropa --json`: the record of processing activities (GDPR Art. 30), generated from the live
policy tables and data (DESIGN §9; ats.services.ropa). Text without --json: one line per
activity."""

from __future__ import annotations

import argparse
import json
from typing import Any


def cmd_ropa(args: argparse.Namespace) -> None:
    from ats.cli import _operator, _run
    from ats.services import ropa

    record = _run(lambda c: ropa.record_of_processing(c.deps, _operator(), operator=True))
    if args.json:
        print(json.dumps(record, indent=2))
        return
    for a in record["activities"]:
        print(f"{a['record_type']:<26} {a['purpose']:<42} {a['legal_basis_article']:<18} {a['records_stored']}")
    places = ", ".join(loc["name"] for loc in record["locations"]["processing"])
    print(f"processed in: {places}; stored in region {record['locations']['storage_region']}")


def register(subparsers: Any) -> None:
    ropa = subparsers.add_parser("ropa", help="the record of processing activities (GDPR Art. 30)")
    ropa.add_argument("--json", action="store_true")
    ropa.set_defaults(func=cmd_ropa)
