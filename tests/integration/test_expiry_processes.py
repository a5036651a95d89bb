"""Invariant 8 and concurrency: the expiry job as real processes (`ats jobs expire`), killed
with SIGKILL between phases, and several workers at once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime

import pytest

from ats.bootstrap import Container
from ats.domain.actors import SYSTEM
from ats.services import applications, positions, retention
from ats.services.applications import Upload
from tests.helpers import bucket_versions, cli_env, pdf, sql_rows

AS_OF = "2030-01-01T00:00:00+00:00"
LEASE = 8  # seconds: long enough for a second run to start while the claims still stand


def expire(c: Container, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ats.cli", "jobs", "expire", "--as-of", AS_OF, "--json", *extra],
        env=cli_env(c.settings),
        capture_output=True,
        text=True,
        timeout=300,
    )


async def seed(c: Container, due: int, not_due: int = 0) -> tuple[list, list]:
    concluded = await positions.create_position(c.deps, SYSTEM, title="Done", jurisdiction="GB")
    still_open = await positions.create_position(c.deps, SYSTEM, title="Open", jurisdiction="GB")
    ids: dict[str, list] = {"due": [], "open": []}
    for kind, position, count in (("due", concluded, due), ("open", still_open, not_due)):
        for i in range(count):
            submitted = await applications.submit_application(
                c.deps,
                position_id=position.id,
                fields={
                    "full_name": f"Candidate {kind} {i}",
                    "email": f"{kind}{i}@example.com",
                    "country": "FR",
                    "privacy_notice_acknowledged": "true",
                },
                cv=Upload("cv.pdf", pdf(f"cv {kind} {i}")),
                cover_letter=Upload("letter.txt", f"letter {i}".encode()),
            )
            ids[kind].append(submitted.id)
    await retention.conclude_position(
        c.deps, SYSTEM, concluded.id, outcome="closed", at=datetime(2021, 6, 1, tzinfo=UTC), production=False
    )
    return ids["due"], ids["open"]


def erased_events(url: str) -> Counter:
    rows = sql_rows(url, "SELECT application_id FROM audit_events WHERE action = 'application.erased'")
    return Counter(str(r[0]) for r in rows)


@pytest.mark.parametrize("phase", ["keys_destroyed", "objects_deleted"])
async def test_killed_between_phases_then_rerun_leaves_nothing(container: Container, phase: str) -> None:
    due, keep = await seed(container, due=4, not_due=2)
    url = container.settings.ats_database_url
    crashed = expire(container, "--crash-after", phase, "--batch-size", "2", "--lease-seconds", str(LEASE))
    assert crashed.returncode == -9, crashed.stderr
    # Nothing is lost or half-visible: the claimed rows remain, their keys are already gone.
    assert sql_rows(url, "SELECT COUNT(*) FROM applications")[0][0] == 6
    assert sql_rows(url, "SELECT COUNT(*) FROM tombstones")[0][0] == 0
    assert sql_rows(url, "SELECT COUNT(*) FROM data_keys")[0][0] == 4  # 2 destroyed + 2 kept
    (lapse,) = sql_rows(url, "SELECT MAX(erasure_claim_expires) FROM applications")[0]
    lapse = lapse if isinstance(lapse, datetime) else datetime.fromisoformat(lapse)
    # A run while the dead run's claims still stand leaves them alone...
    early = expire(container)
    report = json.loads(early.stdout.strip().splitlines()[-1])
    assert report["erased"] == 2
    # The two the dead run claimed are still under its lease: no run can tell a dead worker from
    # a slow one before the lease lapses, so they are "being erased", not overdue (parallel
    # workers must not alarm each other); a lapsed claim counts as overdue
    # (tests/integration/test_oversight_contract.py) until a run finishes it.
    assert early.returncode == 0 and report["overdue"] == 0, early.stderr
    # ...and once they lapse, the next run takes them over and finishes.
    time.sleep(max(0.0, (lapse - datetime.now(UTC)).total_seconds() + 0.5))
    rerun = expire(container)
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout.strip().splitlines()[-1])["erased"] == 2
    assert sql_rows(url, "SELECT COUNT(*) FROM tombstones")[0][0] == 4
    assert sorted(str(r[0]) for r in sql_rows(url, "SELECT id FROM applications")) == sorted(map(str, keep))
    assert sql_rows(url, "SELECT COUNT(*) FROM data_keys")[0][0] == 2
    left = {key.split("/")[1] for key, _ in bucket_versions(container.s3, container.settings.ats_s3_bucket)}
    assert left == {str(k) for k in keep}
    assert set(erased_events(url)) == {str(d) for d in due}
    assert all(n == 1 for n in erased_events(url).values())


async def test_killed_before_its_first_commit_loses_nothing(container: Container) -> None:
    due, _ = await seed(container, due=3)
    url = container.settings.ats_database_url
    crashed = expire(container, "--crash-after", "claimed")
    assert crashed.returncode == -9
    # The claim transaction rolled back entirely: keys and claims untouched.
    assert sql_rows(url, "SELECT COUNT(*) FROM data_keys")[0][0] == 3
    assert sql_rows(url, "SELECT COUNT(*) FROM applications WHERE erasure_claim IS NOT NULL")[0][0] == 0
    # So a rerun erases everything at once, with no lease to wait out.
    assert expire(container).returncode == 0
    assert sql_rows(url, "SELECT COUNT(*) FROM applications")[0][0] == 0
    assert set(erased_events(url)) == {str(d) for d in due}


async def test_parallel_workers_erase_each_application_exactly_once(container: Container) -> None:
    if not container.settings.ats_database_url.startswith("postgres"):
        pytest.skip("concurrent workers are a PostgreSQL deployment (SQLite serialises writers)")
    due, _ = await seed(container, due=40)
    url = container.settings.ats_database_url
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "ats.cli", "jobs", "expire", "--as-of", AS_OF, "--json", "--batch-size", "5"],
            env=cli_env(container.settings),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [(w.wait(timeout=300), *w.communicate()) for w in workers]
    assert all(code == 0 for code, _, _ in results), [err for _, _, err in results]
    reports = [json.loads(out.strip().splitlines()[-1]) for _, out, _ in results]
    assert sum(r["erased"] for r in reports) == 40
    assert all(r["failed"] == 0 for r in reports)
    counts = erased_events(url)
    assert set(counts) == {str(d) for d in due} and set(counts.values()) == {1}
    assert sql_rows(url, "SELECT COUNT(*) FROM tombstones")[0][0] == 40
    assert bucket_versions(container.s3, container.settings.ats_s3_bucket) == []
