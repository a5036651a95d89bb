"""The `ats` command as a user runs it: a subprocess, configured from the environment."""

from __future__ import annotations

import json
import subprocess
import sys

from ats.bootstrap import Container
from tests.helpers import cli_env


def ats(c: Container, *args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ats.cli", *args],
        env=env if env is not None else cli_env(c.settings),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def last_line(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout.strip().splitlines()[-1]


async def test_cli_round_trip(container: Container) -> None:
    assert ats(container, "db", "migrate").returncode == 0
    created = ats(container, "positions", "create", "--title", "Nurse <b>", "--jurisdiction", "CA")
    assert created.returncode == 0, created.stderr
    position_id = last_line(created)
    listed = json.loads(ats(container, "positions", "list", "--json").stdout)
    assert [p["title"] for p in listed if p["id"] == position_id] == ["Nurse <b>"]

    user = ats(container, "users", "create", "--email", "po@example.com", "--role", "privacy_officer", "--password-stdin", stdin="a long enough password\n")
    assert user.returncode == 0 and "password" not in user.stdout
    token = ats(container, "users", "token", "--email", "po@example.com")
    assert last_line(token).startswith("ats_")
    generated = ats(container, "users", "create", "--email", "r@example.com", "--role", "recruiter")
    assert "password (shown once)" in generated.stdout

    concluded = ats(container, "positions", "conclude", position_id, "--outcome", "closed", "--at", "2020-01-01T00:00:00Z")
    assert concluded.returncode == 0, concluded.stderr
    assert "2024-01-01" in concluded.stdout
    for job in ("retag", "sweep"):
        done = ats(container, "jobs", job, "--json")
        assert done.returncode == 0, done.stderr
        json.loads(last_line(done))
    dry = ats(container, "jobs", "expire", "--as-of", "2030-01-01T00:00:00Z", "--dry-run", "--json")
    assert dry.returncode == 0 and json.loads(last_line(dry))["dry_run"] is True


async def test_cli_errors_name_the_problem(container: Container) -> None:
    bad = ats(container, "positions", "create", "--title", "X", "--jurisdiction", "ZZ")
    assert bad.returncode == 1 and "jurisdiction" in bad.stderr
    future = ats(container, "jobs", "expire", "--as-of", "tomorrow")
    assert future.returncode == 1 and "ISO 8601" in future.stderr
    env = {k: v for k, v in cli_env(container.settings).items() if k != "ATS_KMS_KEY_ID"}
    missing = ats(container, "positions", "list", env=env)
    assert missing.returncode == 2 and "ATS_KMS_KEY_ID" in missing.stderr
    malformed = ats(container, "positions", "list", env={**env, "ATS_KMS_KEY_ID": "k", "ATS_DATABASE_URL": "mysql://x"})
    assert malformed.returncode == 2 and "ATS_DATABASE_URL" in malformed.stderr
    production = {**cli_env(container.settings), "ATS_ENV": "production"}
    no_contact = ats(container, "positions", "list", env=production)
    assert no_contact.returncode == 2 and "ATS_PRIVACY_CONTACT" in no_contact.stderr
    production["ATS_PRIVACY_CONTACT"] = "privacy@example.com"
    production["ATS_SMTP_URL"], production["ATS_MAIL_FROM"] = "smtp://127.0.0.1:25", "jobs@example.com"
    production["ATS_PUBLIC_URL"] = "https://jobs.example.com"
    production["ATS_AUDIT_SIGNING_KEY_ID"] = "alias/ats-audit-signing"
    refused = ats(container, "jobs", "expire", "--as-of", "2999-01-01T00:00:00Z", env=production)
    assert refused.returncode == 1 and "production" in refused.stderr


async def test_cli_token_lifecycle(container: Container) -> None:
    import getpass

    assert ats(container, "db", "migrate").returncode == 0
    created = ats(container, "users", "create", "--email", "ops@example.com", "--role", "admin")
    assert created.returncode == 0, created.stderr
    issued = ats(container, "users", "token", "--email", "ops@example.com", "--days", "7")
    assert issued.returncode == 0, issued.stderr
    secret = last_line(issued)
    assert secret.startswith("ats_")
    listed = ats(container, "users", "tokens", "--email", "ops@example.com", "--json")
    assert listed.returncode == 0, listed.stderr
    [row] = json.loads(listed.stdout)
    assert set(row) == {"id", "created_at", "expires_at", "revoked_at", "status", "last4"}
    assert row["status"] == "active" and row["last4"] == secret[-4:] and secret not in listed.stdout
    assert row["id"] in issued.stdout
    revoked = ats(container, "users", "revoke-token", row["id"])
    assert revoked.returncode == 0, revoked.stderr
    [row] = json.loads(ats(container, "users", "tokens", "--email", "ops@example.com", "--json").stdout)
    assert row["status"] == "revoked" and row["revoked_at"]
    for bad, message in (
        (("users", "token", "--email", "ops@example.com", "--days", "0"), "1 to 366 days"),
        (("users", "revoke-token", "not-an-id"), "not a token id"),
        (("users", "tokens", "--email", "nobody@example.com", "--json"), "no user"),
    ):
        done = ats(container, *bad)
        assert done.returncode == 1 and message in done.stderr, (bad, done.stderr)
    deactivated = ats(container, "users", "deactivate", "--email", "ops@example.com")
    assert deactivated.returncode == 0, deactivated.stderr
    events = {e.action: e.actor for e in await container.deps.uow.repo.list_audit()}
    who = f"cli:{getpass.getuser()}"
    for action in ("user.created", "user.token_issued", "user.token_revoked", "user.deactivated"):
        assert events[action] == who, (action, events)
