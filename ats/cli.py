"""The `ats` command. Creating commands print the new id alone on the last line of stdout;
listing commands take --json; errors go to stderr with a non-zero exit (DESIGN §9)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ats.bootstrap import Container, embedded, from_environment
from ats.domain.actors import SYSTEM
from ats.domain.errors import DomainError
from ats.settings import SettingsError

EXIT_USAGE = 2
EXIT_FAILED = 1


def _run(work: Callable[[Container], Awaitable[Any]], container: Container | None = None) -> Any:
    container = container or from_environment()

    async def main() -> Any:
        await container.startup()
        try:
            return await work(container)
        finally:
            await container.shutdown()

    return asyncio.run(main())


def cmd_migrate(args: argparse.Namespace) -> None:
    from storage.migrate import migrate

    _run(lambda c: migrate())
    print("migrations applied")


def cmd_users_create(args: argparse.Namespace) -> None:
    from ats.services import accounts

    generated = not args.password_stdin
    password = accounts.generate_password() if generated else sys.stdin.readline().rstrip("\n")
    user = _run(lambda c: accounts.create_user(c.deps, email=args.email, role=args.role, password=password))
    if generated:
        print(f"password (shown once): {password}")
    print(user.id)


def cmd_users_token(args: argparse.Namespace) -> None:
    from ats.services import accounts

    print(_run(lambda c: accounts.issue_token(c.deps, email=args.email)))


def cmd_positions_create(args: argparse.Namespace) -> None:
    from ats.services import positions

    position = _run(
        lambda c: positions.create_position(c.deps, SYSTEM, title=args.title, jurisdiction=args.jurisdiction)
    )
    print(position.id)


def cmd_positions_list(args: argparse.Namespace) -> None:
    from ats.services import positions
    from ats.web.api import position_json

    found = _run(lambda c: positions.list_positions(c.deps, SYSTEM))
    if args.json:
        print(json.dumps([position_json(p) for p in found], indent=2))
        return
    for p in found:
        print(f"{p.id}  {p.status.value:<9} {p.jurisdiction:<9} {p.title}")


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from ats.web.app import create_app

    if args.embedded:
        container = embedded(Path(args.data_dir))
        from ats.seed import DEMO_RECRUITER, seed_demo
        from storage.migrate import migrate

        async def prepare() -> str:
            await container.startup()
            await migrate()
            return await seed_demo(container.deps)

        password = asyncio.run(prepare())
        print(
            "WARNING: embedded mode. The S3/KMS emulator keeps objects in memory only: every CV and\n"
            "key is lost when this process stops, and the SQLite database is reset at each start.\n"
            "Do not use it for real applicants.",
            file=sys.stderr,
        )
        print(f"Candidate site: http://{args.host}:{args.port}/   Admin: http://{args.host}:{args.port}/admin")
        print(f"Recruiter login (shown once): {DEMO_RECRUITER} / {password}", flush=True)
    else:
        container = from_environment()
    uvicorn.run(create_app(container), host=args.host, port=args.port, log_level="info", access_log=False)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="ats", description="Applicant-tracking privacy module")
    sub = root.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the candidate site, admin panel and API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--embedded", action="store_true", help="start the S3/KMS emulator and SQLite")
    serve.add_argument("--data-dir", default=".ats", help="where the embedded SQLite file lives")
    serve.set_defaults(func=cmd_serve)

    database = sub.add_parser("db").add_subparsers(dest="db_command", required=True)
    database.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)

    users = sub.add_parser("users").add_subparsers(dest="users_command", required=True)
    create = users.add_parser("create", help="create a staff user")
    create.add_argument("--email", required=True)
    create.add_argument("--role", required=True, choices=["recruiter", "hiring_manager", "privacy_officer", "admin"])
    create.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    create.set_defaults(func=cmd_users_create)
    token = users.add_parser("token", help="print a new API token for a user")
    token.add_argument("--email", required=True)
    token.set_defaults(func=cmd_users_token)

    pos = sub.add_parser("positions").add_subparsers(dest="positions_command", required=True)
    pcreate = pos.add_parser("create", help="open a position")
    pcreate.add_argument("--title", required=True)
    pcreate.add_argument("--jurisdiction", required=True)
    pcreate.set_defaults(func=cmd_positions_create)
    plist = pos.add_parser("list", help="list positions")
    plist.add_argument("--json", action="store_true")
    plist.set_defaults(func=cmd_positions_list)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.func(args)
    except SettingsError as exc:
        print(f"ats: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DomainError as exc:
        where = f" ({exc.field})" if exc.field else ""
        print(f"ats: {exc.message}{where}", file=sys.stderr)
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
