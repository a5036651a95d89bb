"""The embedded mode's demo seed (issue 8, "Done when") against the real database (SQLite and
PostgreSQL) and the S3/KMS emulator: staff of every role with assignments, applications at
different stages through the services, everything plainly demo."""

from __future__ import annotations

from collections import Counter

from ats.bootstrap import Container
from ats.domain.actors import SYSTEM
from ats.domain.model import Role
from ats.services import accounts, positions
from ats.services.demo import DEMO_DOMAIN, seed_demo
from tests.helpers import sql_rows


async def test_the_demo_seed_runs_and_marks_everything_as_demo(container: Container) -> None:
    deps, url = container.deps, container.settings.ats_database_url
    logins = await seed_demo(deps)

    assert set(login.role for login in logins) == set(Role) and len(logins) == 5  # two recruiters
    assert all(login.email.endswith("@" + DEMO_DOMAIN) and len(login.password) >= 12 for login in logins)
    stored = sql_rows(url, "SELECT email, password_hash FROM users")
    assert {e for e, _ in stored} == {login.email for login in logins}
    assert all(h.startswith("$argon2") and all(login.password not in h for login in logins) for _, h in stored)
    for login in logins:  # each printed password signs in
        assert (await accounts.authenticate(deps, email=login.email, password=login.password)).role is login.role

    names = [r[0] for r in sql_rows(url, "SELECT full_name FROM persons")]
    assert names and all(n.startswith("Demo Candidate ") for n in names)
    assert all(e.endswith("@" + DEMO_DOMAIN) for (e,) in sql_rows(url, "SELECT email FROM persons"))
    assert all(n.startswith("Demo Referee ") for (n,) in sql_rows(url, "SELECT full_name FROM referees"))
    stages = Counter(s for (s,) in sql_rows(url, "SELECT status FROM applications"))
    assert set(stages) >= {"submitted", "screening", "interview", "offer_extended", "offer_accepted"}
    assert sql_rows(url, "SELECT status FROM consent_requests") == [("requested",)]

    listed = await positions.list_with_counts(deps, SYSTEM)
    assert len(listed) == 7 and sum(n for _, n in listed) == sum(stages.values())
    assert len(sql_rows(url, "SELECT user_id FROM position_assignments")) == 9

    # The CVs went through intake: encrypted objects in the emulator's S3, not plaintext.
    keys = sql_rows(url, "SELECT object_key, version_id FROM records WHERE record_type = 'cv'")
    assert len(keys) == sum(stages.values())
    for key, version in keys:
        body = container.s3.get_object(Bucket=container.settings.ats_s3_bucket, Key=key, VersionId=version)["Body"].read()
        assert b"Demo Candidate" not in body
    # The actors on record are the demo admin and recruiter, not an anonymous "system".
    actions = dict(sql_rows(url, "SELECT action, actor FROM audit_events WHERE action IN ('position.created', 'application.transitioned')"))
    assert all(actor.startswith("user:") for actor in actions.values())
