"""The CLI under the access model (issue 8 item 1): `ats positions assign/unassign`, and
`--as-user EMAIL` on the commands that act on positions: recorded as that person (user:<id>) and
limited to their scope; without it recorded as the operator (cli:<login>), never "system"."""

from __future__ import annotations

import getpass
import json

from ats.bootstrap import Container
from tests.integration.test_cli import ats, last_line


async def actors_of(c: Container, action: str) -> list[str]:
    return [e.actor for e in await c.deps.uow.repo.list_audit() if e.action == action]


async def test_assign_unassign_and_as_user(container: Container) -> None:
    operator = f"cli:{getpass.getuser()}"
    assert ats(container, "db", "migrate").returncode == 0
    ids = {}
    for email, role in (("admin@example.com", "admin"), ("rec@example.com", "recruiter"), ("hm@example.com", "hiring_manager")):
        made = ats(container, "users", "create", "--email", email, "--role", role)
        assert made.returncode == 0, made.stderr
        ids[email] = last_line(made)
    mine = last_line(ats(container, "positions", "create", "--title", "Mine", "--jurisdiction", "GB"))
    other = last_line(ats(container, "positions", "create", "--title", "Other", "--jurisdiction", "GB"))
    assert await actors_of(container, "position.created") == [operator, operator]

    done = ats(container, "positions", "assign", mine, "--email", "rec@example.com")
    assert done.returncode == 0, done.stderr
    done = ats(container, "positions", "assign", mine, "--email", "hm@example.com", "--as-user", "admin@example.com")
    assert done.returncode == 0, done.stderr
    assert await actors_of(container, "assignment.added") == [operator, f"user:{ids['admin@example.com']}"]

    # A recruiter may not assign (404, as for an unknown position), and sees only their position.
    refused = ats(container, "positions", "assign", other, "--email", "rec@example.com", "--as-user", "rec@example.com")
    assert refused.returncode == 1 and "no such position" in refused.stderr
    listed = ats(container, "positions", "list", "--json", "--as-user", "rec@example.com")
    assert [p["id"] for p in json.loads(listed.stdout)] == [mine]
    assert len(json.loads(ats(container, "positions", "list", "--json").stdout)) == 2
    again = ats(container, "positions", "assign", mine, "--email", "rec@example.com")
    assert again.returncode == 1 and "already assigned" in again.stderr
    unknown = ats(container, "positions", "list", "--as-user", "nobody@example.com")
    assert unknown.returncode == 1 and "nobody@example.com" in unknown.stderr

    # Concluding as a recruiter: only their own position, recorded under their id.
    outside = ats(container, "positions", "conclude", other, "--outcome", "closed", "--as-user", "rec@example.com")
    assert outside.returncode == 1 and "no such position" in outside.stderr
    inside = ats(container, "positions", "conclude", mine, "--outcome", "filled", "--as-user", "rec@example.com")
    assert inside.returncode == 0, inside.stderr
    assert await actors_of(container, "position.concluded") == [f"user:{ids['rec@example.com']}"]

    gone = ats(container, "positions", "unassign", mine, "--email", "hm@example.com")
    assert gone.returncode == 0, gone.stderr
    assert await actors_of(container, "assignment.removed") == [operator]
    assert "system" not in {e.actor for e in await container.deps.uow.repo.list_audit()}
