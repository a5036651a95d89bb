"""Issue 9, item 8: after the expiry job erases an application, no file of the SQLite
database (the database, its -wal and -shm) still holds the erased email or name.

secure_delete zeroes the content SQLite frees in the database file, but superseded frames of
the write-ahead log keep the old pages until a checkpoint: sqlite.org/pragma.html#pragma_secure_delete,
sqlite.org/wal.html. PostgreSQL keeps dead tuples until VACUUM and its WAL in archives and
backups: the README says what covers those."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ats.bootstrap import Container
from ats.domain.actors import SYSTEM
from ats.services import applications, expiry, positions, retention
from ats.services.applications import Upload
from tests.helpers import pdf, sql_rows

NAME, EMAIL = "Philippa Quorndon-Erasable", "philippa.quorndon@erasable.example"
KEPT_NAME, KEPT_EMAIL = "Kept Candidate", "kept.candidate@example.com"


async def test_no_file_of_the_sqlite_database_keeps_an_erased_applicant(container: Container) -> None:
    url = container.settings.ats_database_url
    if not url.startswith("sqlite"):
        pytest.skip("the files of a SQLite database; PostgreSQL's storage is the server's (README)")
    done = await positions.create_position(container.deps, SYSTEM, title="Done", jurisdiction="GB")
    still_open = await positions.create_position(container.deps, SYSTEM, title="Open", jurisdiction="GB")
    for position, name, email in ((done, NAME, EMAIL), (still_open, KEPT_NAME, KEPT_EMAIL)):
        await applications.submit_application(
            container.deps,
            position_id=position.id,
            fields={"full_name": name, "email": email, "phone": "+44 20 7946 0999", "country": "GB",
                    "privacy_notice_acknowledged": "true"},
            cv=Upload("cv.pdf", pdf("cv")),
        )
    await retention.conclude_position(
        container.deps, SYSTEM, done.id, outcome="filled", at=datetime(2020, 1, 1, tzinfo=UTC), production=False
    )
    path = Path(url[len("sqlite:///") :])
    files = lambda: sorted(p for p in path.parent.iterdir() if p.name.startswith(path.name))  # noqa: E731
    assert any(EMAIL.encode() in p.read_bytes() for p in files())  # the check can see the bytes
    # In-process, as `ats serve`'s scheduler and `ats jobs run` do: the app's connections stay
    # open, so no last-connection close checkpoints the log behind the job's back.
    report = await expiry.erase_due(container.deps, as_of=datetime(2030, 1, 1, tzinfo=UTC))
    assert report.erased == 1
    assert sql_rows(url, "SELECT COUNT(*) FROM persons")[0][0] == 1
    for needle in (EMAIL, NAME, EMAIL.upper()):
        leaks = [p.name for p in files() if needle.encode() in p.read_bytes()]
        assert leaks == [], f"{needle!r} still in {leaks}"
    # The kept applicant is untouched (the check is not passing on an emptied database).
    assert sql_rows(url, "SELECT full_name FROM persons WHERE email = $1", KEPT_EMAIL) == [(KEPT_NAME,)]
