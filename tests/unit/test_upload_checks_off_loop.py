"""Issue 9: the upload checks (zip and PDF parsing, up to the size limit) run on a worker
thread, never on the event loop, so one large upload cannot stall every other request."""

from __future__ import annotations

import threading

import pytest

from ats.domain import uploads
from ats.domain.actors import SYSTEM
from ats.services import applications, intake_files, positions
from ats.services.applications import Upload
from ats.services.deps import Deps
from storage.memory import FixedClock, MemoryBlobStore, MemoryKeyProvider, MemoryUnitOfWork
from storage.vault import RecordVault


async def test_intake_runs_every_file_check_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    deps = Deps(uow=MemoryUnitOfWork(), vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore()), clock=FixedClock())
    position = await positions.create_position(deps, SYSTEM, title="P", jurisdiction="GB")
    loop_thread, seen = threading.get_ident(), []
    real = uploads.check_upload

    def spy(*args: object, **kwargs: object) -> uploads.CheckedUpload:
        seen.append(threading.get_ident())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(applications, "check_upload", spy)
    monkeypatch.setattr(intake_files, "check_upload", spy)
    await applications.submit_application(
        deps,
        position_id=position.id,
        fields={"full_name": "Ana", "email": "a@example.com", "country": "ES", "privacy_notice_acknowledged": "true"},
        cv=Upload("cv.txt", b"plain CV"),
        cover_letter=Upload("letter.txt", b"plain letter"),
    )
    assert len(seen) == 2 and loop_thread not in seen
    # The candidate page checks each file itself first (to show every field's error at once).
    await applications.check_file(deps, "cv", Upload("cv.txt", b"plain CV"), required=True)
    assert len(seen) == 3 and loop_thread not in seen


async def test_a_file_checked_by_the_form_is_not_checked_again_by_the_intake(monkeypatch: pytest.MonkeyPatch) -> None:
    deps = Deps(uow=MemoryUnitOfWork(), vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore()), clock=FixedClock())
    position = await positions.create_position(deps, SYSTEM, title="P", jurisdiction="GB")
    calls: list[str] = []
    real = uploads.check_upload

    def counted(data: bytes, filename: str | None, **kwargs: object) -> uploads.CheckedUpload:
        calls.append(str(kwargs["field"]))
        return real(data, filename, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(applications, "check_upload", counted)
    monkeypatch.setattr(intake_files, "check_upload", counted)
    cv = Upload("cv.txt", b"plain CV")
    await applications.check_file(deps, "cv", cv, required=True)  # the candidate page, first
    await applications.submit_application(
        deps,
        position_id=position.id,
        fields={"full_name": "Ana", "email": "a@example.com", "country": "ES", "privacy_notice_acknowledged": "true"},
        cv=cv,
    )
    assert calls == ["cv"]
    # Another field or another size limit is another check.
    await applications.check_file(deps, "cover_letter", cv, required=False)
    assert calls == ["cv", "cover_letter"]
