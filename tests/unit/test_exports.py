"""The export service on in-memory fakes: contents, sha256s, schema, single-use link, purge
after 7 days."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import jsonschema
import pytest

from ats.domain.actors import SYSTEM
from ats.domain.errors import Gone, NotFound
from ats.domain.model import RecordType
from ats.services import exports
from tests.export_world import CV, LETTER, REPORT, SCHEMA, open_zip, seed, token_of
from tests.unit.test_services import make_world


@pytest.mark.parametrize("jurisdiction", ["GB", "FR"])
async def test_export_contents_link_once_and_purge(jurisdiction: str) -> None:
    w = make_world()
    seeded = await seed(w.deps, jurisdiction)
    outcome = await exports.export(w.deps, seeded.subject, actor=SYSTEM, now=w.clock.now(), portable=False)
    assert outcome.fulfilled and outcome.link and outcome.link.startswith("http://127.0.0.1:8000/privacy/exports/")
    [export_record] = [r for r in await w.repo.list_records(seeded.application.id) if r.record_type is RecordType.EXPORT]
    assert export_record.expires_on == (w.clock.now() + timedelta(days=7)).date().isoformat()
    token = token_of(outcome.link)
    await exports.check_link(w.deps, token)  # the page: does not use the link
    record, content = await exports.download(w.deps, token)
    assert record.id == export_record.id
    doc, files = open_zip(content)
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(doc)
    for entry in doc["documents"]:
        assert hashlib.sha256(files[entry["path"]]).hexdigest() == entry["sha256"]
    contents = set(files.values())
    assert CV in contents and LETTER in contents
    assert (REPORT in contents) is (jurisdiction != "GB")
    assert [x["record_type"] for x in doc["withheld"]] == (["reference-report"] if jurisdiction == "GB" else [])
    assert [s["role"] for s in doc["seen_by"]] == ["recruiter"]
    with pytest.raises(Gone):
        await exports.download(w.deps, token)
    with pytest.raises(NotFound):
        await exports.download(w.deps, token[:-2] + "xx")
    w.clock.advance(days=6, hours=23)
    assert (await exports.purge_expired(w.deps)).purged == 0
    w.clock.advance(hours=2)
    assert (await exports.purge_expired(w.deps)).purged == 1
    assert export_record.object_key not in w.blobs.objects
    assert await w.repo.get_record(export_record.id) is None
    assert [e.action for e in w.repo.audit][-1] == "export.purged"


async def test_unused_link_after_purge_and_after_seven_days_is_gone() -> None:
    w = make_world()
    seeded = await seed(w.deps)
    outcome = await exports.export(w.deps, seeded.subject, actor=SYSTEM, now=w.clock.now(), portable=True)
    assert outcome.link
    w.clock.advance(days=8)
    with pytest.raises(Gone):
        await exports.check_link(w.deps, token_of(outcome.link))
