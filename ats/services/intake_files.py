"""An intake's files on a worker thread: their checks, then (unless the answer is a duplicate's)
a new data key, encryption and the puts, in one call (ats.services.applications).

One call, because each hand-off to a worker thread and back was a cost of its own on every
intake (bench/intake.py). The checks are those of ats.domain.uploads, CPU work that must stay
off the event loop (issue 9); a file the candidate form has already checked keeps its answer
(Upload.passed) and is not parsed again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from ats.domain.model import Record, RecordType
from ats.domain.records import new_record
from ats.domain.uploads import CheckedUpload, check_upload
from ats.ports import DataKey, Vault

if TYPE_CHECKING:
    from ats.services.applications import Upload


@dataclass
class Intake:
    vault: Vault
    application_id: UUID
    jurisdiction: str
    now: datetime
    max_bytes: int
    uploads: list[tuple[str, RecordType, Upload]]  # (form field, record type, file)
    consent: bytes | None  # the talent-pool consent record's content, when given
    # The records and their bytes; those already put carry a version id (the caller discards them).
    contents: list[tuple[Record, bytes]] = field(default_factory=list)

    def check_only(self) -> list[CheckedUpload]:
        """Raise ValidationError for the first file that fails its checks."""
        found = []
        for name, _, upload in self.uploads:
            key = (name, self.max_bytes)
            if key not in upload.passed:
                upload.passed[key] = check_upload(upload.data, upload.filename, field=name, max_bytes=self.max_bytes)
            found.append(upload.passed[key])
        return found

    def check_and_store(self) -> DataKey:
        checked = self.check_only()
        for (_, record_type, upload), ok in zip(self.uploads, checked, strict=True):
            self.contents.append((self._record(record_type, ok.content_type, ok.filename, ok.size), upload.data))
        if self.consent is not None:
            record = self._record(
                RecordType.TALENT_POOL_CONSENT, "application/json", "talent-pool-consent.json", len(self.consent)
            )
            self.contents.append((record, self.consent))
        # Objects first, rows second (DESIGN §5): a crash in between leaves only an orphan object,
        # unreadable without its key row, which the orphan sweep deletes. A key made for an
        # intake that fails is never stored anywhere.
        return self.vault.store_new(self.application_id, self.contents)

    def _record(self, record_type: RecordType, content_type: str, filename: str, size: int) -> Record:
        return new_record(
            record_id=uuid4(),
            application_id=self.application_id,
            record_type=record_type,
            jurisdiction=self.jurisdiction,
            content_type=content_type,
            filename=filename,
            size=size,
            sha256="",  # set by the vault, beside the encryption
            now=self.now,
        )
