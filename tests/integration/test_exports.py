"""Exports against the real stack (SQLite and PostgreSQL, the S3/KMS emulator over HTTP):
contents and sha256s, the export record's ciphertext and tags, the single-use link (also two
downloads at once, and over HTTP through the app), the purge after 7 days, and no local disk."""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
from datetime import timedelta

import httpx
import jsonschema
import pytest

from ats.bootstrap import Container
from ats.domain.actors import SYSTEM
from ats.domain.errors import Gone
from ats.domain.model import RecordType
from ats.domain.records import tags_for
from ats.services import exports
from storage import crypto
from tests.e2e.support import csrf_field
from tests.export_world import CV, LETTER, REPORT, SCHEMA, open_zip, seed, token_of

_WATCH: list[list[str]] = []


def _disk_writes(event: str, args: tuple) -> None:
    """An audit hook (PEP 578) recording every file opened for writing while a test watches."""
    if not _WATCH or event != "open":
        return
    path, mode, flags = [*args, None, None, None][:3]
    writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
        isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
    )
    if writes:
        _WATCH[-1].append(str(path))


sys.addaudithook(_disk_writes)


async def _export(c: Container, jurisdiction: str = "FR"):  # type: ignore[no-untyped-def]
    seeded = await seed(c.deps, jurisdiction)
    written: list[str] = []
    _WATCH.append(written)
    try:
        outcome = await exports.export(c.deps, seeded.subject, actor=SYSTEM, now=c.deps.clock.now(), portable=False)
    finally:
        _WATCH.pop()
    assert outcome.fulfilled and outcome.link
    [record] = [r for r in await c.deps.uow.repo.list_records(seeded.application.id) if r.record_type is RecordType.EXPORT]
    return seeded, outcome, record, written


async def test_export_is_sealed_tagged_complete_and_never_on_disk(container: Container) -> None:
    seeded, outcome, record, written = await _export(container, "GB")
    assert written == []  # the ZIP was built in memory: no file opened for writing
    s3, bucket = container.s3, container.settings.ats_s3_bucket
    obj = s3.get_object(Bucket=bucket, Key=record.object_key, VersionId=record.version_id)
    body = obj["Body"].read()
    assert body.startswith(crypto.MAGIC) and b"EXPORT-CV-MARKER" not in body and b"your-data" not in body
    assert obj["ServerSideEncryption"] == "aws:kms"
    tagset = s3.get_object_tagging(Bucket=bucket, Key=record.object_key, VersionId=record.version_id)["TagSet"]
    tags = {t["Key"]: t["Value"] for t in tagset}
    assert tags == tags_for(record)
    assert tags["record-type"] == "export" and tags["retention"] == "created+P7D"
    assert tags["expires-on"] == (record.created_at + timedelta(days=7)).date().isoformat()
    assert tags["application"] == str(seeded.application.id)

    stored, content = await exports.download(container.deps, token_of(outcome.link))
    assert hashlib.sha256(content).hexdigest() == stored.sha256 == record.sha256
    doc, files = open_zip(content)
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(doc)
    rows = {str(r.id): r for r in await container.deps.uow.repo.list_records(seeded.application.id)}
    for entry in doc["documents"]:
        assert hashlib.sha256(files[entry["path"]]).hexdigest() == entry["sha256"] == rows[entry["record_id"]].sha256
    assert set(files.values()) == {CV, LETTER}  # GB: the confidential reference is withheld
    assert REPORT not in content
    assert doc["withheld"][0]["rule"] == "confidential-reference"
    assert [s["role"] for s in doc["seen_by"]] == ["recruiter"]
    assert seeded.recruiter.email not in content.decode("latin-1")
    assert doc["applications"][0]["status_history"][0]["status"] == "submitted"


async def test_link_works_once_even_for_two_downloads_at_once(container: Container) -> None:
    _, outcome, _, _ = await _export(container)
    token = token_of(outcome.link)
    results = await asyncio.gather(*(exports.download(container.deps, token) for _ in range(2)), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["Gone", "tuple"]
    with pytest.raises(Gone):
        await exports.download(container.deps, token)
    actions = [e.action for e in await container.deps.uow.repo.list_audit()]
    assert actions.count("export.created") == 1 and actions.count("export.downloaded") == 1


async def test_purge_after_seven_days_removes_object_versions_rows_and_link(container: Container) -> None:
    seeded, outcome, record, _ = await _export(container)
    now = container.deps.clock.now()
    assert (await exports.purge_expired(container.deps, now=now + timedelta(days=6))).purged == 0
    report = await exports.purge_expired(container.deps, now=now + timedelta(days=7, minutes=1))
    assert report.purged == 1 and report.failed == 0
    versions = container.s3.list_object_versions(Bucket=container.settings.ats_s3_bucket, Prefix=record.object_key)
    assert not versions.get("Versions") and not versions.get("DeleteMarkers")
    assert await container.deps.uow.repo.get_record(record.id) is None
    remaining = {r.record_type for r in await container.deps.uow.repo.list_records(seeded.application.id)}
    assert RecordType.EXPORT not in remaining and RecordType.CV in remaining  # only the export goes
    with pytest.raises(Gone):
        await exports.check_link(container.deps, token_of(outcome.link))


async def test_download_route_page_then_zip_then_gone(container: Container) -> None:
    from ats.web.app import create_app

    _, outcome, record, _ = await _export(container)
    path = outcome.link.split("127.0.0.1:8000", 1)[1] if "127.0.0.1:8000" in outcome.link else None
    assert path and path.startswith("/privacy/exports/")
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        page = await client.get(path)
        assert page.status_code == 200 and "Download my data" in page.text
        again = await client.get(path)  # looking at the page does not use the link
        assert again.status_code == 200
        got = await client.post(path, data={"csrftoken": csrf_field(page.text)})
        assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
        assert hashlib.sha256(got.content).hexdigest() == record.sha256
        assert got.headers["cache-control"] == "no-store"
        replay = await client.post(path, data={"csrftoken": csrf_field(page.text)})
        assert replay.status_code == 410 and "already been used" in replay.text
        assert (await client.get(path)).status_code == 410
        assert (await client.get(path[:-3] + "abc")).status_code == 404


def test_the_disk_watch_sees_a_write(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The no-disk assertion above can fail: a file opened for writing is recorded."""
    written: list[str] = []
    _WATCH.append(written)
    try:
        (tmp_path / "spill").write_bytes(b"x")
    finally:
        _WATCH.pop()
    assert written == [str(tmp_path / "spill")]


async def test_hostile_links_answer_4xx_and_change_nothing(container: Container) -> None:
    """Markup, unicode, oversize, empty-looking and cross-application tokens: a 4xx each, no
    audit event, and the real link still works afterwards."""
    from ats.web.app import create_app

    seeded, outcome, record, _ = await _export(container)
    token = token_of(outcome.link)
    other_app = (await seed(container.deps, "GB")).application.id
    _, real_link_id = container.deps.links.verify(token, "export", timedelta(days=7))
    hostile = [
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "Zo%C3%AB-%E6%97%A5%E6%9C%AC",
        "A" * 5000,
        "%20",
        "..%2F..%2Fadmin",
        container.deps.links.sign("export", other_app, real_link_id),  # signed, another application
    ]
    before = len(await container.deps.uow.repo.list_audit())
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        page = await client.get(f"/privacy/exports/{token}")
        form = {"csrftoken": csrf_field(page.text)}
        for bad in hostile:
            for answer in (await client.get(f"/privacy/exports/{bad}"),
                           await client.post(f"/privacy/exports/{bad}", data=form)):
                assert 400 <= answer.status_code < 500, (bad[:40], answer.status_code)
                assert not answer.content.startswith(b"PK") and "<script>alert" not in answer.text
        assert len(await container.deps.uow.repo.list_audit()) == before
        assert (await container.deps.uow.repo.get_export_link(real_link_id)).used_at is None
        got = await client.post(f"/privacy/exports/{token}", data=form)
        assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == record.sha256
    assert seeded.application.id != other_app
