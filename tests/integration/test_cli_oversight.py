"""`ats ropa --json` and the expiry alert of issue 11 as an operator meets them: a subprocess
configured from the environment (SQLite and PostgreSQL, the emulator)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from ats.bootstrap import Container
from ats.domain.actors import SYSTEM
from ats.services import positions
from tests.helpers import cli_env, sql_rows
from tests.integration.test_cli import ats
from tests.integration.test_expiry import apply, db


async def test_ropa_json_has_the_record_of_processing(container: Container) -> None:
    position = await positions.create_position(container.deps, SYSTEM, title="Ropa", jurisdiction="GB")
    await apply(container, position.id)
    done = ats(container, "ropa", "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert {"generated_at", "controller", "activities", "recipients", "background_checks", "retention", "locations", "stored"} <= set(record)
    assert [loc["name"] for loc in record["locations"]["processing"]] == ["United Kingdom", "United States", "Canada", "India"]
    assert record["locations"]["storage_region"] == cli_env(container.settings)["AWS_REGION"]
    by_type = {a["record_type"]: a for a in record["activities"]}
    assert by_type["cv"]["legal_basis_article"] == "GDPR Art. 6(1)(f)" and by_type["cv"]["records_stored"] == 1
    assert by_type["talent-pool-consent"]["legal_basis"] == "consent"
    assert any("background-check providers" in r["who"] for r in record["recipients"])
    assert "criminal" in record["background_checks"]["GB"]["allowed"]
    assert all(r["source"] for r in record["retention"])
    assert "Grace" not in done.stdout and "grace@" not in done.stdout  # no personal data


async def test_expire_exits_non_zero_when_an_item_is_overdue_for_over_a_day(container: Container) -> None:
    position = await positions.create_position(container.deps, SYSTEM, title="Stuck", jurisdiction="GB")
    app_id = await apply(container, position.id)
    now = datetime.now(UTC)
    url = db(container)
    ok = ats(container, "jobs", "expire", "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout.splitlines()[-1])["overdue"] == 0
    from tests.e2e.support import sql_exec

    # Due three days ago, and being erased by another worker (a live claim): that worker's to
    # finish, not an alarm (parallel runs must not alarm each other).
    sql_exec(
        url,
        "UPDATE applications SET retention_until = $1, erasure_claim = 'other', erasure_claim_expires = $2 WHERE id = $3",
        now - timedelta(days=3), now + timedelta(hours=1), app_id,
    )
    claimed = ats(container, "jobs", "expire", "--json")
    assert claimed.returncode == 0 and json.loads(claimed.stdout.splitlines()[-1])["overdue"] == 0, claimed.stderr
    # Unclaimed, and this run (as of four days ago) cannot erase it: overdue, exit 1.
    sql_exec(url, "UPDATE applications SET erasure_claim = NULL, erasure_claim_expires = NULL WHERE id = $1", app_id)
    stuck = ats(container, "jobs", "expire", "--json", "--as-of", (now - timedelta(days=4)).isoformat())
    assert stuck.returncode == 1, stuck.stderr
    assert json.loads(stuck.stdout.splitlines()[-1])["overdue"] == 1
    assert "overdue for more than a day" in stuck.stderr
    runs = sql_rows(url, "SELECT status FROM job_runs WHERE job = 'expire' ORDER BY started_at")
    assert [r[0] for r in runs] == ["ok", "ok", "failed"]
