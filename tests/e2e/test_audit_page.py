"""The audit trail page over HTTP (issue 11 item 3): privacy officers only (everyone else 404,
the link only in their navigation), filters and keyset paging by sequence number, a bad filter
shown beside its field (422) and reading changes nothing; at shutdown the web app writes a
signed checkpoint of the chain head to S3."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator

import pytest

from ats.bootstrap import build
from ats.domain import audit_checkpoints as cps
from ats.web.app import create_app
from tests.conftest import Live, LiveServer, S3Env, make_settings
from tests.e2e.support import add_position, add_staff, admin_login, api_apply, applicant, sql_all


@pytest.fixture
def sealed_live(database_url: str, s3env: S3Env) -> Iterator[Live]:
    from storage.migrate import migrate

    c = build(make_settings(database_url, s3env, ats_audit_signing_key_id=s3env.signing_key_id))
    if database_url.startswith("sqlite"):
        asyncio.run(migrate())
    with LiveServer(create_app(c)) as server:
        yield Live(server.url, c, s3env, database_url)


def seqs(page: str) -> list[int]:
    table = re.search(r'<table id="audit-events">.*?</table>', page, re.S).group(0)
    return [int(n) for n in re.findall(r'<tr><th scope="row">(\d+)</th>', table)]


def test_audit_page_is_the_privacy_officers_and_filters_and_pages(sealed_live: Live, s3env: S3Env) -> None:
    live = sealed_live
    position = add_position(live, title="Audit Page")
    with live.client() as client:
        apps = [api_apply(client, position, data=applicant(email=f"audit{i}@example.com")).json() for i in range(3)]
    officer = add_staff(live, email="a.po@example.com", role="privacy_officer")
    for role in ("recruiter", "hiring_manager", "admin"):
        person = add_staff(live, email=f"a.{role}@example.com", role=role)
        with live.client() as client:
            admin_login(client, person)
            assert "/admin/audit" not in client.get("/admin/").text
            assert client.get("/admin/audit").status_code == 404
    with live.client() as anonymous:
        assert anonymous.get("/admin/audit", follow_redirects=False).status_code == 303
    mine = apps[1]["id"]
    expected = [r[0] for r in sql_all(live.database_url, "SELECT seq FROM audit_events WHERE application_id = $1 ORDER BY seq", uuid.UUID(mine))]
    assert expected
    with live.client() as client:
        admin_login(client, officer)
        assert "/admin/audit" in client.get("/admin/").text
        everything = client.get("/admin/audit")
        assert everything.status_code == 200 and seqs(everything.text)[:3] == [1, 2, 3]
        assert client.get(f"/admin/audit?application={mine}").status_code == 200
        assert seqs(client.get(f"/admin/audit?application={mine}").text) == expected
        before = sql_all(live.database_url, "SELECT COUNT(*) FROM audit_events")[0][0]
        bad = client.get("/admin/audit?since=tomorrow-ish")
        assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text and "since must be an ISO date" in bad.text
        assert sql_all(live.database_url, "SELECT COUNT(*) FROM audit_events")[0][0] == before
        # Keyset paging: `after` is the last seq shown; the filter stays.
        assert seqs(client.get(f"/admin/audit?application={mine}&after={expected[0]}").text) == expected[1:]
        assert seqs(client.get("/admin/audit?after=2").text)[0] == 3
        only = client.get("/admin/audit", params={"action": "application.submitted", "application": str(mine)})
        assert all(s in expected for s in seqs(only.text))


def test_the_web_app_signs_a_checkpoint_at_shutdown(database_url: str, s3env: S3Env) -> None:
    from storage.migrate import migrate

    c = build(make_settings(database_url, s3env, ats_audit_signing_key_id=s3env.signing_key_id))
    if database_url.startswith("sqlite"):
        asyncio.run(migrate())
    with LiveServer(create_app(c)) as server:
        live = Live(server.url, c, s3env, database_url)
        with live.client() as client:
            assert api_apply(client, add_position(live, title="Shutdown")).status_code == 201
        [(head_seq, head_hash)] = sql_all(database_url, "SELECT seq, hash FROM audit_head")
    listed = s3env.s3.list_objects_v2(Bucket=s3env.bucket, Prefix=cps.PREFIX).get("Contents", [])
    assert [o["Key"] for o in listed] == [cps.object_key(1)]
    signed = cps.decode(s3env.s3.get_object(Bucket=s3env.bucket, Key=cps.object_key(1))["Body"].read())
    assert (signed.checkpoint.seq, signed.checkpoint.hash) == (head_seq, head_hash)
    verified = s3env.kms.verify(
        KeyId=s3env.signing_key_id, Message=signed.checkpoint.message(), MessageType="RAW",
        Signature=signed.signature, SigningAlgorithm=cps.ALGORITHM,
    )
    assert verified["SignatureValid"]
