"""Operator commands: `ats doctor` (DESIGN §9)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ats.domain.doctor import failures

EXIT_FAILED = 1


def cmd_doctor(args: argparse.Namespace) -> None:
    from ats.bootstrap_doctor import run_checks
    from ats.cli import _run

    found = _run(run_checks)
    bad = failures(found)
    if args.json:
        print(json.dumps({"ok": not bad, "checks": [f.as_dict() for f in found]}, indent=2))
    else:
        for f in found:
            print(f"{'ok  ' if f.ok else 'FAIL'} {f.check}" + (f": {f.problem}" if not f.ok else ""))
    for f in bad:
        print(f"ats doctor: {f.check}: {f.problem}. Fix: {f.fix}", file=sys.stderr)
    if bad:
        raise SystemExit(EXIT_FAILED)


def register(subparsers: Any) -> None:
    doctor = subparsers.add_parser(
        "doctor", help="check bucket, key, database and mail configuration; non-zero exit naming each problem"
    )
    doctor.add_argument("--json", action="store_true", help="every check as JSON: check, ok, problem, fix")
    doctor.set_defaults(func=cmd_doctor)
