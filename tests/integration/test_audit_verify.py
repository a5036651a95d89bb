"""`ats audit verify` against the real chain (SQLite and PostgreSQL) and the emulator's KMS and
S3: an untouched chain passes; each tampering case exits 1 naming the first bad sequence number
(an edited event, a recomputed chain, truncation below the latest checkpoint, a deleted
checkpoint, even the newest one once its number is re-used, a bad signature). And the listing (`ats audit list --json`) filters and pages."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from ats.bootstrap import Container, build
from ats.domain import audit as audit_chain
from ats.domain import audit_checkpoints as cps
from ats.domain.actors import SYSTEM
from ats.ports_audit import AuditFilter
from ats.services import audit
from tests.audit_seed import seed
from tests.conftest import S3Env, make_settings
from tests.e2e.support import sql_exec
from tests.helpers import cli_env
from tests.integration.test_cli import ats


@pytest.fixture
async def sealed(database_url: str, s3env: S3Env) -> AsyncIterator[Container]:
    from storage.migrate import migrate

    c = build(make_settings(database_url, s3env, ats_audit_signing_key_id=s3env.signing_key_id))
    await c.startup()
    if database_url.startswith("sqlite"):
        await migrate()
    yield c
    await c.shutdown()


def verify_cli(c: Container) -> tuple[int, dict, str]:
    env = {**cli_env(c.settings), "ATS_AUDIT_SIGNING_KEY_ID": c.settings.ats_audit_signing_key_id or ""}
    done = ats(c, "audit", "verify", "--json", env=env)
    return done.returncode, json.loads(done.stdout), done.stderr


async def three_checkpoints(c: Container) -> None:
    """30 events, checkpoints at seq 10, 20 and 30."""
    for round_ in range(3):
        for i in range(10):
            await c.deps.audit(SYSTEM, "application.viewed" if i % 2 else "record.downloaded", details={"round": round_})
        await audit.checkpoint(c.deps)


def url(c: Container) -> str:
    return c.settings.ats_database_url


async def test_untouched_chain_verifies(sealed: Container) -> None:
    await three_checkpoints(sealed)
    code, report, _ = verify_cli(sealed)
    assert code == 0 and report["ok"] and (report["events"], report["checkpoints"]) == (30, 3)
    assert report["latest_checkpoint"]["seq"] == 30


async def test_an_edited_event(sealed: Container) -> None:
    await three_checkpoints(sealed)
    sql_exec(url(sealed), "UPDATE audit_events SET actor = 'user:someone-else' WHERE seq = 15")
    code, report, stderr = verify_cli(sealed)
    assert (code, report["first_bad_seq"], report["problems"][0]["kind"]) == (1, 15, "edited")
    assert "first bad sequence number: 15" in stderr


async def test_a_recomputed_chain(sealed: Container) -> None:
    await three_checkpoints(sealed)
    events = await sealed.deps.uow.repo.audit_page(AuditFilter(), after_seq=0, limit=100)
    events[14].actor = "user:someone-else"
    prev = events[13].hash
    for event in events[14:]:  # what someone with database access can do: rehash what follows
        event.prev_hash = prev
        event.hash = hashlib.sha256(audit_chain.canonical(event)).hexdigest()
        prev = event.hash
        sql_exec(url(sealed), "UPDATE audit_events SET actor = $1, prev_hash = $2, hash = $3 WHERE seq = $4",
                 event.actor, event.prev_hash, event.hash, event.seq)
    sql_exec(url(sealed), "UPDATE audit_head SET hash = $1 WHERE id = 1", prev)
    code, report, _ = verify_cli(sealed)
    # The chain is consistent; checkpoint 2 (seq 20) no longer matches: 11..20 are unproven.
    assert (code, report["first_bad_seq"], report["problems"][0]["kind"]) == (1, 11, "recomputed")


async def test_truncation_below_the_latest_checkpoint(sealed: Container) -> None:
    await three_checkpoints(sealed)
    [event] = await sealed.deps.uow.repo.audit_page(AuditFilter(), after_seq=24, limit=1)
    sql_exec(url(sealed), "DELETE FROM audit_events WHERE seq > 25")
    sql_exec(url(sealed), "UPDATE audit_head SET seq = 25, hash = $1 WHERE id = 1", event.hash)
    code, report, _ = verify_cli(sealed)
    assert (code, report["first_bad_seq"], report["problems"][0]["kind"]) == (1, 26, "truncated")


async def test_a_deleted_checkpoint(sealed: Container, s3env: S3Env) -> None:
    await three_checkpoints(sealed)
    s3env.s3.delete_object(Bucket=s3env.bucket, Key=cps.object_key(2))
    code, report, _ = verify_cli(sealed)
    assert (code, report["first_bad_seq"], report["problems"][0]["kind"]) == (1, 11, "checkpoint_missing")


async def test_a_deleted_newest_checkpoint_whose_number_is_taken_again(sealed: Container, s3env: S3Env) -> None:
    """Deleting the newest checkpoint leaves no gap once the next one re-uses its number; the
    versioned bucket's delete marker and second version still show it."""
    await three_checkpoints(sealed)
    s3env.s3.delete_object(Bucket=s3env.bucket, Key=cps.object_key(3))
    await sealed.deps.audit(SYSTEM, "application.viewed")
    await audit.checkpoint(sealed.deps)
    code, report, _ = verify_cli(sealed)
    assert report["checkpoints"] == 3
    assert (code, report["first_bad_seq"], report["problems"][0]["kind"]) == (1, 21, "checkpoint_deleted")


async def test_a_bad_signature(sealed: Container, s3env: S3Env) -> None:
    await three_checkpoints(sealed)
    key = cps.object_key(3)
    signed = cps.decode(s3env.s3.get_object(Bucket=s3env.bucket, Key=key)["Body"].read())
    forged = cps.Checkpoint(3, 30, "f" * 64, signed.checkpoint.at, signed.checkpoint.prev)
    s3env.s3.put_object(Bucket=s3env.bucket, Key=key, Body=cps.encode(cps.SignedCheckpoint(forged, signed.signature, signed.key_id)))
    code, report, _ = verify_cli(sealed)
    assert (code, report["first_bad_seq"], report["problems"][0]["kind"]) == (1, 21, "bad_signature")


async def test_list_json_filters_and_pages(sealed: Container) -> None:
    await three_checkpoints(sealed)
    env = {**cli_env(sealed.settings)}
    first = json.loads(ats(sealed, "audit", "list", "--action", "record.downloaded", "--limit", "4", "--json", env=env).stdout)
    assert [e["seq"] for e in first["events"]] == [1, 3, 5, 7] and first["next_after"] == 7
    rest = ats(sealed, "audit", "list", "--action", "record.downloaded", "--after", "7", "--limit", "1000", "--json", env=env)
    page = json.loads(rest.stdout)
    assert [e["seq"] for e in page["events"]] == list(range(9, 30, 2)) and page["next_after"] is None
    bad = ats(sealed, "audit", "list", "--since", "soon", env=env)
    assert bad.returncode == 1 and "since" in bad.stderr


async def test_a_hundred_thousand_events_verify(sealed: Container) -> None:
    start = datetime.now(UTC) - timedelta(days=2)
    seq, _ = await seed(url(sealed), 100_000, start=start)
    assert (await audit.checkpoint(sealed.deps)).seq == seq
    began = time.perf_counter()
    report = await audit.verify(sealed.deps)
    print(f"verified {report.events} events in {time.perf_counter() - began:.1f} s ({url(sealed).split(':')[0]})")
    assert report.ok, report.problems
    assert report.events == 100_000
