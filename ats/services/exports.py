"""Access and portability exports (GDPR Art. 15, 20; DESIGN §11): a ZIP of one JSON document
and the decrypted documents, stored as an encrypted, tagged `export` record for 7 days and
delivered by a signed single-use link; the download; the 7-day purge.

The ZIP is built in memory (io.BytesIO) on a worker thread, one document at a time, and never
touches local disk (invariant 1). What the JSON holds and what the law exempts is decided in
ats.domain.exports; the schema is ats/policy/export_schema.json."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote
from uuid import UUID, uuid4

from ats.domain import exports as shape
from ats.domain.actors import CANDIDATE, SYSTEM, Actor
from ats.domain.errors import Gone, NotFound
from ats.domain.model import Application, Record, RecordType
from ats.domain.records import new_record
from ats.domain.rights import Outcome, Subject
from ats.ports import Vault
from ats.ports_exports import ExportScope
from ats.services.deps import Deps
from ats.services.links import LinkExpired, LinkInvalid

EXPORT_PATH = "/privacy/exports/"
DOCUMENT_NAME = "your-data.json"
PURGE_BATCH = 500


def export_link(public_url: str, token: str) -> str:
    """On ATS_PUBLIC_URL, never on a request's Host header (DESIGN §8)."""
    return f"{public_url.rstrip('/')}{EXPORT_PATH}{quote(token, safe='')}"


async def _gather(deps: Deps, subject: Subject) -> tuple[list[shape.ApplicationData], dict[UUID, bytes]]:
    """Every application of the subject still stored, with what an export needs, and each
    one's wrapped data key (erased applications and destroyed keys are skipped)."""
    repo = deps.uow.repo
    apps: list[shape.ApplicationData] = []
    wrapped: dict[UUID, bytes] = {}
    for application_id in subject.application_ids:
        application = await repo.get_application(application_id)
        key_row = await repo.get_data_key(application_id)
        if application is None or key_row is None:
            continue
        position = await repo.get_position(application.position_id)
        person = await repo.get_person(application.person_id)
        if position is None or person is None:
            continue
        apps.append(
            shape.ApplicationData(
                application=application,
                position=position,
                person=person,
                records=await repo.list_records(application_id),
                referees=await repo.list_referees(application_id),
                consents=await repo.list_consents(application_id),
                checks=await repo.list_checks(application_id),
            )
        )
        wrapped[application_id] = key_row.wrapped_key
    return apps, wrapped


FETCHES_AT_ONCE = 4  # S3 round trips in flight while an export is built


def _build_and_store(
    vault: Vault,
    wrapped: dict[UUID, bytes],
    files: list[shape.PlannedFile],
    doc: dict,
    host: Application,
    record: Record,
) -> Record:
    """On a worker thread: unwrap each application's key once, fetch and decrypt each document
    (RecordVault.fetch: AES-GCM authenticates it), add it to an in-memory ZIP, then seal and put the
    ZIP as the export record. Documents are stored uncompressed: PDF, DOCX and ODT are already
    compressed, and deflating them again costs time for nothing (bench/export.py)."""
    keys: dict[UUID, bytes] = {}
    for item in files:
        app_id = item.record.application_id
        if app_id not in keys:
            keys[app_id] = vault.unwrap(app_id, wrapped[app_id])
    buffer = io.BytesIO()
    # The documents are fetched and decrypted a few at a time (each one a round trip to S3) and
    # written to the ZIP in their order: an export waited for each fetch in turn.
    with ThreadPoolExecutor(max_workers=FETCHES_AT_ONCE) as pool, zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(DOCUMENT_NAME, json.dumps(doc, indent=2, ensure_ascii=False), zipfile.ZIP_DEFLATED)
        opened = pool.map(lambda item: vault.fetch(keys[item.record.application_id], item.record), files)
        for item, content in zip(files, opened, strict=True):
            archive.writestr(item.path, content, zipfile.ZIP_STORED)
    content = buffer.getvalue()
    buffer.close()
    record.size = len(content)
    record.sha256 = hashlib.sha256(content).hexdigest()
    if host.id not in keys:
        keys[host.id] = vault.unwrap(host.id, wrapped[host.id])
    record.version_id = vault.store(keys[host.id], record, content)
    return record


async def export(deps: Deps, subject: Subject, *, actor: Actor, now: datetime, portable: bool) -> Outcome:
    """Build the subject's export, store it as an `export` record of their most recent
    application (sealed with that application's data key: erasing it shreds the export too),
    and answer the single-use link. Audited (`export.created`, ids only)."""
    apps, wrapped = await _gather(deps, subject)
    if not apps:
        return Outcome(
            fulfilled=False,
            reason="No stored application for this person: nothing to export.",
            message="We hold no data about you, so there is nothing to send.",
        )
    events = await deps.uow.repo.audit_for_applications(
        [d.application.id for d in apps], shape.READ_ACTIONS | shape.HISTORY_ACTIONS
    )
    user_ids = {UUID(e.actor[5:]) for e in events if e.actor.startswith("user:") and len(e.actor) == 41}
    roles = await deps.uow.repo.staff_roles(sorted(user_ids, key=str))
    host_data = max(apps, key=lambda d: d.application.submitted_at)
    host = host_data.application
    record = new_record(
        record_id=uuid4(),
        application_id=host.id,
        record_type=RecordType.EXPORT,
        jurisdiction=host_data.position.jurisdiction,
        content_type="application/zip",
        filename=f"data-export-{now.date().isoformat()}.zip",
        size=0,
        sha256="",
        now=now,
    )
    record.retention_rule = shape.EXPORT_RETENTION_RULE
    record.expires_on = shape.export_expires_on(now)
    files = shape.plan_files(apps)
    kind = "portability" if portable else "access"
    doc = shape.document(
        kind=kind, export_id=record.id, generated_at=now, apps=apps, files=files, events=events, roles=roles
    )
    record = await deps.blocking(_build_and_store, deps.vault, wrapped, files, doc, host, record)
    link = shape.ExportLink(id=uuid4(), record_id=record.id, application_id=host.id, created_at=now)
    event = deps.event(
        actor,
        "export.created",
        application_id=host.id,
        position_id=host.position_id,
        record_id=record.id,
        details={
            "kind": kind,
            "request": str(subject.request_id),
            "applications": len(apps),
            "documents": len(files),
            "withheld": len(doc["withheld"]),
        },
    )
    try:
        async with deps.uow.transaction() as tx:
            await tx.add_records([record])
            await tx.add_export_link(link)
            await tx.append_audit([event])
    except BaseException:
        await deps.blocking(deps.vault.discard, [record])
        raise
    token = deps.links.sign("export", host.id, link.id)
    withheld = len(doc["withheld"])
    return Outcome(
        fulfilled=True,
        reason=(
            f"Export {record.id}: {len(apps)} application(s), {len(files)} document(s), "
            f"{withheld} item(s) withheld under a cited exemption."
        ),
        message=(
            "Your copy of the data we hold about you is ready: a ZIP file with a JSON document "
            f"({DOCUMENT_NAME}) and your documents. The link below works once and for "
            f"{shape.EXPORT_DAYS} days; after that the copy is deleted."
            + (" Some material is left out because the law exempts it; the JSON document says what and why." if withheld else "")
        ),
        link=export_link(deps.public_url, token),
    )


async def check_link(deps: Deps, token: str) -> tuple[shape.ExportLink, Record]:
    """The export a link opens, without using it (the page before the download: mail scanners
    that fetch links must not burn a single-use link). Gone when expired, used or purged."""
    found = await _scope(deps, token)
    return found.link, found.record


async def _scope(deps: Deps, token: str) -> ExportScope:
    """The link, its record and data key, in one read, once the token and the link check out."""
    try:
        application_id, link_id = deps.links.verify(token, "export", shape.EXPORT_LIFETIME)
    except LinkExpired:
        raise Gone(EXPIRED) from None
    except LinkInvalid:
        raise NotFound("This download link is not valid. Check that you copied all of it.") from None
    found = await deps.uow.repo.export_scope(link_id) if link_id else None
    if found is None or found.link.application_id != application_id:
        # Signed by us but no longer on record: purged, or erased with its application.
        raise Gone(DELETED)
    link = found.link
    if link.used_at is not None:
        raise Gone(USED)
    if deps.clock.now() >= link.created_at + shape.EXPORT_LIFETIME:
        # The token's own age is checked on the wall clock; this is the service's clock.
        raise Gone(EXPIRED)
    return found


EXPIRED = (
    f"This download link has expired: links work for {shape.EXPORT_DAYS} days. "
    "Ask for a new copy at /privacy/requests."
)
DELETED = "This copy of your data has been deleted. Ask for a new one at /privacy/requests."
USED = "This download link has already been used. Ask for a new copy at /privacy/requests."


async def download(deps: Deps, token: str) -> tuple[Record, bytes]:
    """The export's ZIP for its single-use link: decrypted first, then the link marked used and
    the read audited in one transaction, so a failed fetch does not burn the link and two
    concurrent requests cannot both get it (UnitOfWork.use_export_link_audited)."""
    # The link, record and key in one read; the use and its event in one transaction
    # (storage/export_sql.py: bench/download.py's export target).
    link, record, key_row = await _scope(deps, token)
    if key_row is None:
        raise Gone(DELETED)
    content = await deps.blocking(_open, deps.vault, key_row.wrapped_key, record)
    event = deps.event(CANDIDATE, "export.downloaded", application_id=link.application_id, record_id=record.id)
    if not await deps.uow.use_export_link_audited(link.id, deps.clock.now(), [event]):
        raise Gone(USED)
    return record, content


def _open(vault: Vault, wrapped_key: bytes, record: Record) -> bytes:
    return vault.fetch(vault.unwrap(record.application_id, wrapped_key), record)


@dataclass
class PurgeReport:
    purged: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)  # record ids only

    def as_dict(self) -> dict:
        return {"purged": self.purged, "failed": self.failed, "errors": self.errors[:100]}


async def purge_expired(deps: Deps, *, now: datetime | None = None) -> PurgeReport:
    """Erase export records older than 7 days (DESIGN §12: an `export` is kept 7 days): the
    object versions first, then the rows and link markers with one audit event each. A crash
    in between leaves rows whose versions are gone; the next run deletes them again (S3
    answers a delete of a missing version as done) and then the rows."""
    now = now or deps.clock.now()
    report = PurgeReport()
    while True:
        due = await deps.uow.repo.exports_created_before(now - shape.EXPORT_LIFETIME, PURGE_BATCH)
        due = [r for r in due if str(r.id) not in report.errors]
        if not due:
            return report
        failed = set(await deps.blocking(deps.vault.delete_versions, [(r.object_key, r.version_id) for r in due]))
        done = [r for r in due if (r.object_key, r.version_id) not in failed]
        for r in due:
            if (r.object_key, r.version_id) in failed:
                report.failed += 1
                report.errors.append(str(r.id))
        if done:
            async with deps.uow.transaction() as tx:
                await tx.delete_exports([r.id for r in done])
                await tx.append_audit(
                    [
                        deps.event(SYSTEM, "export.purged", application_id=r.application_id, record_id=r.id)
                        for r in done
                    ]
                )
        report.purged += len(done)
        if not done:
            return report
