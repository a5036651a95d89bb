"""The `ats` command. Creating commands print the new id alone on the last line of stdout;
listing commands take --json; errors go to stderr with a non-zero exit (DESIGN §9)."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from ats.bootstrap import Container, embedded, from_environment
from ats.domain.errors import DomainError, ValidationError
from ats.policy_loader import PolicyFileError
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
    user = _run(
        lambda c: accounts.create_user(c.deps, email=args.email, role=args.role, password=password, actor=_operator())
    )
    if generated:
        print(f"password (shown once): {password}")
    print(user.id)


def _operator() -> Any:
    """The audit's actor for user administration from the CLI: the OS account running it."""
    import getpass

    from ats.domain.actors import cli_operator

    try:
        return cli_operator(getpass.getuser())
    except (KeyError, OSError):  # no login name (e.g. a container's uid without a passwd entry)
        return cli_operator("unknown")


def cmd_users_token(args: argparse.Namespace) -> None:
    from ats.services import accounts

    issued = _run(lambda c: accounts.new_token(c.deps, email=args.email, days=args.days, actor=_operator()))
    print(f"token {issued.token.id} expires {issued.token.expires_at.isoformat()}; shown once:")
    print(issued.secret)


def cmd_users_tokens(args: argparse.Namespace) -> None:
    from ats.domain.tokens import listing
    from ats.services import accounts

    async def work(c: Container) -> Any:
        return await accounts.list_tokens(c.deps, email=args.email), c.deps.clock.now()

    found, now = _run(work)
    rows = [listing(t, now) for t in found]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    for r in rows:
        print(f"{r['id']}  {r['status']:<8} expires {r['expires_at']}  ...{r['last4']}")


def cmd_users_revoke_token(args: argparse.Namespace) -> None:
    from ats.services import accounts

    token = _run(lambda c: accounts.revoke_token(c.deps, _uuid(args.id, "token"), actor=_operator()))
    print(f"token {token.id} revoked at {token.revoked_at.isoformat() if token.revoked_at else '?'}")


def cmd_users_deactivate(args: argparse.Namespace) -> None:
    from ats.services import accounts

    user = _run(lambda c: accounts.deactivate(c.deps, email=args.email, actor=_operator()))
    print(f"user {user.id} deactivated: sessions ended, tokens revoked")


def cmd_positions_create(args: argparse.Namespace) -> None:
    from ats.services import positions

    async def work(c: Container) -> Any:
        actor = await _acting(c, args)
        return await positions.create_position(c.deps, actor, title=args.title, jurisdiction=args.jurisdiction)

    print(_run(work).id)


def cmd_positions_list(args: argparse.Namespace) -> None:
    from ats.services import positions
    from ats.web.api_json import position_json

    async def work(c: Container) -> Any:
        return await positions.list_positions(c.deps, await _acting(c, args))

    found = _run(work)
    if args.json:
        print(json.dumps([position_json(p) for p in found], indent=2))
        return
    for p in found:
        print(f"{p.id}  {p.status.value:<9} {p.jurisdiction:<9} {p.title}")


def _when(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{name} must be an ISO 8601 time, e.g. 2030-11-22T00:00:00Z.") from None
    if moment.tzinfo is None:
        raise ValidationError(f"{name} needs a time zone, e.g. 2030-11-22T00:00:00Z.")
    return moment.astimezone(UTC)


def _uuid(value: str, what: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise ValidationError(f"{value!r} is not a {what} id.") from None


def cmd_positions_conclude(args: argparse.Namespace) -> None:
    from ats.services import retention

    async def work(c: Container) -> Any:
        return await retention.conclude_position(
            c.deps,
            await _acting(c, args),
            _uuid(args.id, "position"),
            outcome=args.outcome,
            at=_when(args.at, "--at"),
            production=c.settings.production,
        )

    result = _run(work)
    print(f"concluded {result.outcome.value} at {result.concluded_at.isoformat()}; "
          f"applications retained until {result.retention_until.isoformat()}")


def cmd_positions_assign(args: argparse.Namespace) -> None:
    from ats.services import assignments

    async def work(c: Container) -> None:
        actor, position_id = await _acting(c, args), _uuid(args.id, "position")
        if args.positions_command == "assign":
            await assignments.assign(c.deps, actor, position_id, email=args.email)
        else:
            await assignments.unassign(c.deps, actor, position_id, email=args.email)

    _run(work)
    print("assigned" if args.positions_command == "assign" else "unassigned")


def cmd_holds(args: argparse.Namespace) -> None:
    from ats.services import retention

    async def work(c: Container) -> None:
        actor = await _cli_actor(c, args.as_user)
        await retention.set_legal_hold(
            c.deps, actor, _uuid(args.id, "application"), reason=args.reason, hold=args.hold_command == "set"
        )

    _run(work)
    print("legal hold set" if args.hold_command == "set" else "legal hold lifted")


async def _cli_actor(c: Container, email: str) -> Any:
    """CLI actions that need a role act as a named staff user (audited under their id), with
    that user's scope (DESIGN §8: the same rules as the panel and the API)."""
    user = await c.deps.uow.repo.get_user_by_email(email.strip().lower())
    if user is None:
        raise ValidationError(f"There is no user {email!r}. Create one with `ats users create`.", field="--as-user")
    if not user.active:
        raise ValidationError(f"The user {email!r} is deactivated.", field="--as-user")
    from ats.domain.actors import staff

    return staff(user.id, user.role)


async def _acting(c: Container, args: argparse.Namespace) -> Any:
    """`--as-user EMAIL`: that person, recorded as user:<id> and limited to their scope;
    without it the operator running `ats` (cli:<login>), never an anonymous "system"."""
    email = getattr(args, "as_user", None)
    return await _cli_actor(c, email) if email else _operator()


def _progress(label: str) -> Callable[[int], None] | None:
    if not sys.stderr.isatty():
        return None
    return lambda n: print(f"\r{label}: {n}", end="", file=sys.stderr, flush=True)


def cmd_jobs_expire(args: argparse.Namespace) -> None:
    from ats.services import dashboard
    from jobs.runs import recorded

    async def work(c: Container) -> Any:
        call = lambda: dashboard.expire_checked(  # noqa: E731
            c.deps,
            as_of=_when(args.as_of, "--as-of"),
            dry_run=args.dry_run,
            production=c.settings.production,
            progress=_progress("erased"),
            crash_after=args.crash_after,
            batch=args.batch_size,
            lease=timedelta(seconds=args.lease_seconds),
        )
        if args.dry_run:
            return await call()
        return (await recorded(c.deps, "expire", call))[1]

    report = _run(work)
    if args.json:
        print(json.dumps(report.as_dict()))
    else:
        print(f"erased {report.erased}, held {report.held}, restricted {report.restricted}, failed {report.failed}"
              + (f", due {report.due} (dry run)" if report.dry_run else ""))
    if report.overdue:  # issue 11: due for over a day, neither held nor restricted, still stored
        print(f"ats: {report.overdue} application(s) overdue for more than a day (see the retention dashboard)",
              file=sys.stderr)
    if report.failed or report.overdue:
        raise SystemExit(EXIT_FAILED)


def cmd_jobs_once(args: argparse.Namespace) -> None:
    from ats.services import retention, sweep
    from jobs.runs import recorded

    async def work(c: Container) -> Any:
        if args.jobs_command == "retag":
            return (await recorded(c.deps, "retag", lambda: retention.retag(c.deps)))[1]
        return (await recorded(c.deps, "sweep", lambda: sweep.sweep_orphans(c.deps)))[1]

    report = _run(work)
    print(json.dumps(report.as_dict()) if args.json else report.as_dict())


def cmd_jobs_mail(args: argparse.Namespace) -> None:
    from ats.services import mail
    from jobs.runs import recorded

    async def work(c: Container) -> Any:
        return (await recorded(c.deps, "mail", lambda: mail.deliver(c.deps)))[1]

    report = _run(work)
    if args.json:
        print(json.dumps(report.as_dict()))
    else:
        print(f"delivered {report.delivered}, deferred {report.deferred}, abandoned {report.abandoned}")


def cmd_jobs_run(args: argparse.Namespace) -> None:
    from ats.logs import configure
    from ats.web.health import metrics_port
    from jobs.scheduler import default_schedule, run_schedule

    container = from_environment()
    configure(container.settings.log_format)  # ATS_LOG_FORMAT (ats.logs)

    async def work(c: Container) -> None:
        from ats.services.audit import checkpoint_at_shutdown

        stop = asyncio.Event()  # SIGTERM/SIGINT end the schedule so the checkpoint below is taken
        for signum in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        async with metrics_port(c):  # ATS_METRICS_PORT: this process's job counters, when set
            try:
                await run_schedule(c.deps, default_schedule(production=c.settings.production), stop=stop)
            finally:
                await checkpoint_at_shutdown(c.deps)  # the audit chain's head, signed, at shutdown

    _run(work, container)


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from ats.web.app import create_app

    if args.embedded:
        # Links to candidates point where this server listens (ATS_PUBLIC_URL of the embedded mode).
        listen = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104 (a comparison)
        listen = f"[{listen}]" if ":" in listen else listen
        container = embedded(Path(args.data_dir), public_url=f"http://{listen}:{args.port}")
        from ats.services.demo import seed_demo
        from storage.migrate import migrate

        async def prepare() -> Any:
            await container.startup()
            await migrate()
            return await seed_demo(container.deps)

        logins = asyncio.run(prepare())
        container.extras["demo_data"] = True  # the panel's "Demo data" banner
        print(
            "WARNING: embedded mode. The S3/KMS emulator keeps objects in memory only: every CV and\n"
            "key is lost when this process stops, and the SQLite database is reset at each start.\n"
            "Do not use it for real applicants.",
            file=sys.stderr,
        )
        print(f"Candidate site: http://{args.host}:{args.port}/   Admin: http://{args.host}:{args.port}/admin")
        print("Demo data (made-up people). Staff logins, passwords shown once:")
        for login in logins:
            print(f"  {login.role.value:<16} {login.email} / {login.password}")
        sys.stdout.flush()
    else:
        container = from_environment(preflight=True)  # production: ats doctor's checks first
    from ats.logs import configure

    configure(container.settings.log_format)  # ATS_LOG_FORMAT; uvicorn's loggers go through it too
    app = create_app(container, run_jobs=args.embedded)
    # log_config=None: keep ats.logs' set-up (uvicorn's default would install its own handlers).
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False, log_config=None)


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
    token.add_argument("--days", type=int, help="days the token is valid (1-366, default 90)")
    token.set_defaults(func=cmd_users_token)
    tokens = users.add_parser("tokens", help="list a user's API tokens (never the tokens themselves)")
    tokens.add_argument("--email", required=True)
    tokens.add_argument("--json", action="store_true")
    tokens.set_defaults(func=cmd_users_tokens)
    revoke = users.add_parser("revoke-token", help="revoke an API token by its id")
    revoke.add_argument("id")
    revoke.set_defaults(func=cmd_users_revoke_token)
    deactivate = users.add_parser("deactivate", help="deactivate a user: end sessions, revoke tokens")
    deactivate.add_argument("--email", required=True)
    deactivate.set_defaults(func=cmd_users_deactivate)

    pos = sub.add_parser("positions").add_subparsers(dest="positions_command", required=True)
    pcreate = pos.add_parser("create", help="open a position")
    pcreate.add_argument("--title", required=True)
    pcreate.add_argument("--jurisdiction", required=True)
    pcreate.set_defaults(func=cmd_positions_create)
    plist = pos.add_parser("list", help="list positions (with --as-user: those that user may see)")
    plist.add_argument("--json", action="store_true")
    plist.set_defaults(func=cmd_positions_list)
    pconclude = pos.add_parser("conclude", help="conclude hiring: filled, closed or cancelled")
    pconclude.add_argument("id")
    pconclude.add_argument("--outcome", required=True, choices=["filled", "closed", "cancelled"])
    pconclude.add_argument("--at", help="ISO time of the conclusion (default now; past refused in production)")
    pconclude.set_defaults(func=cmd_positions_conclude)
    for name, text in (("assign", "assign a recruiter or hiring manager"), ("unassign", "end an assignment")):
        passign = pos.add_parser(name, help=f"{text} (admins)")
        passign.add_argument("id")
        passign.add_argument("--email", required=True, help="the staff user's email")
        passign.set_defaults(func=cmd_positions_assign)
    for command in (pcreate, plist, pconclude, *(pos.choices[n] for n in ("assign", "unassign"))):
        command.add_argument(
            "--as-user", metavar="EMAIL", help="act as this staff user (their role and positions; audited as them)"
        )

    holds = sub.add_parser("holds", help="legal holds (privacy officer)").add_subparsers(
        dest="hold_command", required=True
    )
    for name in ("set", "lift"):
        h = holds.add_parser(name, help=f"{name} a legal hold on an application")
        h.add_argument("id")
        h.add_argument("--reason", required=True)
        h.add_argument("--as-user", required=True, help="email of the privacy officer acting")
        h.set_defaults(func=cmd_holds)

    __import__("ats.cli_ops").cli_ops.register(sub)  # ats doctor
    __import__("ats.cli_requests").cli_requests.register(sub)  # ats requests list
    __import__("ats.cli_oversight").cli_oversight.register(sub)  # ats ropa --json
    __import__("ats.cli_audit").cli_audit.register(sub)  # ats audit list / verify
    jobs = sub.add_parser("jobs").add_subparsers(dest="jobs_command", required=True)
    expire = jobs.add_parser("expire", help="erase applications whose retention has run out")
    expire.add_argument("--as-of", help="ISO time to judge due-ness at (future refused in production)")
    expire.add_argument("--dry-run", action="store_true")
    expire.add_argument("--json", action="store_true")
    expire.add_argument("--batch-size", type=int, default=5000, help="applications per batch (default 5000)")
    expire.add_argument(
        "--lease-seconds",
        type=float,
        default=300,
        help="how long this run's claims last before another run may take them over (default 300)",
    )
    expire.add_argument("--crash-after", help=argparse.SUPPRESS)  # crash-injection tests only
    expire.set_defaults(func=cmd_jobs_expire)
    for name, text in (("retag", "set expires-on tags"), ("sweep", "delete orphan objects")):
        once = jobs.add_parser(name, help=text)
        once.add_argument("--json", action="store_true")
        once.set_defaults(func=cmd_jobs_once)
    jobs_mail = jobs.add_parser("mail", help="deliver what the outbox holds (retries with backoff)")
    jobs_mail.add_argument("--json", action="store_true")
    jobs_mail.set_defaults(func=cmd_jobs_mail)
    jobs.add_parser("run", help="run the schedule (daily expiry, hourly re-tag and sweep)").set_defaults(
        func=cmd_jobs_run
    )
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.func(args)
    except (SettingsError, PolicyFileError) as exc:
        print(f"ats: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DomainError as exc:
        where = f" ({exc.field})" if exc.field else ""
        print(f"ats: {exc.message}{where}", file=sys.stderr)
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
