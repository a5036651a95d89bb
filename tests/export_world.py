"""Seeding for the export tests (unit and integration): one person with an application whose
records are a CV, a cover letter and a reference report, read once by a recruiter."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

from ats.domain.actors import SYSTEM, staff
from ats.domain.model import Application, RecordType, Role, User
from ats.domain.rights import Subject
from ats.services import applications, positions, records
from ats.services.applications import Upload
from ats.services.deps import Deps
from tests.helpers import pdf

EMAIL = "export.subject@example.org"
CV = pdf("EXPORT-CV-MARKER " * 30)
LETTER = b"EXPORT-LETTER-MARKER: I would like to apply.\n"
REPORT = json.dumps({"How long have you known the candidate?": "EXPORT-REPORT-MARKER five years"}).encode()
SCHEMA = json.loads((Path(__file__).parent.parent / "ats" / "policy" / "export_schema.json").read_text())


@dataclass
class Seeded:
    subject: Subject
    application: Application
    recruiter: User


async def seed(deps: Deps, jurisdiction: str = "GB", email: str = EMAIL) -> Seeded:
    position = await positions.create_position(deps, SYSTEM, title="Engineer", jurisdiction=jurisdiction)
    fields = {"full_name": "Export Subject", "email": email, "country": "GB", "privacy_notice_acknowledged": "true"}
    submitted = await applications.submit_application(
        deps,
        position_id=position.id,
        fields=fields,
        cv=Upload("cv.pdf", CV),
        cover_letter=Upload("letter.txt", LETTER),
    )
    application = await deps.uow.repo.get_application(submitted.id)
    assert application is not None

    async def nothing(tx, record):  # type: ignore[no-untyped-def]
        return None

    await records.store_record(
        deps, application, RecordType.REFERENCE_REPORT, REPORT, content_type="application/json", filename="reference.json", then=nothing
    )
    recruiter = User(uuid4(), f"recruiter-{uuid4().hex[:6]}@example.com", Role.RECRUITER, "x", deps.clock.now())
    async with deps.uow.transaction() as tx:
        await tx.add_user(recruiter)
    await deps.audit(staff(recruiter.id, Role.RECRUITER), "application.viewed", application_id=application.id)
    return Seeded(Subject(uuid4(), email, (application.id,)), application, recruiter)


def open_zip(content: bytes) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files.pop("your-data.json")), files


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]
