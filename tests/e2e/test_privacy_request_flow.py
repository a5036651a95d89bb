"""An access request end to end (issue 10, "Tests that must exist"), over HTTP with a real SMTP
server (aiosmtpd): the candidate asks on /privacy/requests → the code is mailed → verified → the
case is in the privacy officer's queue → fulfilled from the panel → the outcome is mailed with the
export's link → the ZIP opens, its JSON validates against the documented schema
(ats/policy/export_schema.json), each document's bytes match the sha256 stored at intake, and
the link works once."""

from __future__ import annotations

import hashlib
import io
import json
import re
import uuid
import zipfile
from pathlib import Path

import jsonschema

from tests.conftest import Live
from tests.e2e import test_privacy_request_pages as pages
from tests.e2e.support import add_staff, admin_login, csrf_field, sql_all
from tests.e2e.test_privacy_request_pages import (
    FORM,
    KNOWN,
    applied,
    ask,
    latest_code,
    mails_to,
    request_id,
    rows,
    send_code,
)
from tests.helpers import pdf

world = pages.world  # the app with a real SMTP server and a clock the test moves
SCHEMA = Path(__file__).resolve().parents[2] / "ats" / "policy" / "export_schema.json"


def stored_sha256(live: Live, application_id: uuid.UUID) -> dict[str, str]:
    found = sql_all(live.database_url, "SELECT id, sha256 FROM records WHERE application_id = $1", application_id)
    return {str(record_id): digest for record_id, digest in found}


def test_an_access_request_from_the_form_to_the_download_that_works_once(world) -> None:  # type: ignore[no-untyped-def]
    live, smtp, _ = world
    created = applied(live)
    stored = stored_sha256(live, uuid.UUID(created["id"]))
    assert stored  # the CV at least
    officer = add_staff(live, email="dpo@example.com", role="privacy_officer")
    with live.client() as candidate:
        rid = request_id(ask(candidate, kind="access", details="A copy of everything, please."))
        verified = send_code(candidate, rid, latest_code(smtp, KNOWN))
    assert verified.status_code == 200 and "We will answer by" in verified.text

    with live.client() as client:
        assert admin_login(client, officer).status_code == 303
        queue = client.get("/admin/requests")
        assert queue.status_code == 200 and f"/admin/requests/{rid}" in queue.text
        case = client.get(f"/admin/requests/{rid}")
        assert case.status_code == 200 and created["id"] in case.text
        decided = client.post(
            f"/admin/requests/{rid}/decision",
            data={"csrftoken": csrf_field(case.text), "decision": "fulfil", "reason": "Export prepared"},
        )
        assert decided.status_code == 303, decided.text[:500]
        assert "fulfilled" in client.get(f"/admin/requests/{rid}").text
    assert [str(r[1]) for r in rows(live)] == ["fulfilled"]

    outcome = mails_to(smtp, KNOWN, at_least=2)[0]  # newest first: after the code
    link = re.search(rf"^({re.escape(live.url)}/privacy/exports/\S+)$", outcome.body, re.MULTILINE)
    assert link, outcome.body
    path = link.group(1).removeprefix(live.url)
    with live.client() as anyone:
        # The link opens a page (a mail scanner's fetch uses nothing); its form downloads, once.
        landing = anyone.get(path)
        assert landing.status_code == 200, landing.text[:300]
        assert anyone.get(path).status_code == 200  # opening the page again spends nothing
        token = csrf_field(landing.text)
        first = anyone.post(path, data={"csrftoken": token})
        again = anyone.post(path, data={"csrftoken": token})
        reopened = anyone.get(path)
    assert first.status_code == 200 and first.headers["content-type"] == "application/zip", first.text[:300]
    assert again.status_code in (404, 410) and not again.content.startswith(b"PK")
    assert reopened.status_code in (404, 410)

    archive = zipfile.ZipFile(io.BytesIO(first.content))
    assert archive.testzip() is None
    document = json.loads(archive.read("your-data.json"))
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    listed = document["documents"]
    assert {d["record_id"] for d in listed} <= set(stored) and listed
    for entry in listed:
        data = archive.read(entry["path"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] == stored[entry["record_id"]]
    assert any(archive.read(d["path"]) == pdf() for d in listed)  # the CV as it was sent
    assert FORM  # the form the request came through
