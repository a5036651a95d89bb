"""Test helpers: sample documents, and raw views of the database and bucket that do not go
through the code under test (so a test can see what the app really left behind)."""

from __future__ import annotations

import asyncio
import io
import sqlite3
import zipfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import asyncpg

TABLES = (
    "positions",
    "persons",
    "applications",
    "records",
    "data_keys",
    "audit_events",
    "users",
    "api_tokens",
    "position_assignments",
    "referees",
    "consent_requests",
    "background_checks",
    "tombstones",
    "outbox",
    "privacy_requests",
)


def pdf(text: str = "Curriculum vitae of a test candidate") -> bytes:
    """A small but well-formed one-page PDF (the upload check parses PDFs with pypdf).

    `text` sits verbatim in an uncompressed content stream, so tests can look for it.
    """
    literal = text.encode().replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 12 Tf 72 720 Td (" + literal + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return write_pdf(objects)


def write_pdf(objects: Sequence[bytes], *, version: bytes = b"1.4", trailer: bytes = b"") -> bytes:
    """A PDF written byte by byte with a valid cross-reference table; object 1 is the root.
    `trailer`: more entries of the trailer dictionary. Tests and benchmarks build PDFs with it."""
    out = bytearray(b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


def docx(text: str = "CV") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", f"<w:document>{text}</w:document>")
    return buf.getvalue()


def sql_rows(database_url: str, query: str, *args: Any) -> list[tuple]:
    """Run one read-only query on its own connection (SQLite file or PostgreSQL)."""
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url[len("sqlite:///") :]) as conn:
            return [tuple(r) for r in conn.execute(query.replace("$1", "?"), args).fetchall()]

    async def run() -> list[tuple]:
        conn = await asyncpg.connect(database_url)
        try:
            return [tuple(r) for r in await conn.fetch(query, *args)]
        finally:
            await conn.close()

    # Its own thread and loop, so this works from sync and async tests alike.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def row_counts(database_url: str) -> dict[str, int]:
    return {t: sql_rows(database_url, f"SELECT COUNT(*) FROM {t}")[0][0] for t in TABLES}


def bucket_versions(s3: Any, bucket: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            found.append((v["Key"], v["VersionId"]))
    return sorted(found)


def state(database_url: str, s3: Any, bucket: str) -> dict[str, Any]:
    """Everything a rejected request must leave untouched (invariant 7)."""
    counts = row_counts(database_url)
    counts.pop("audit_events")  # reads and failed logins are audited by design
    return {"rows": counts, "objects": bucket_versions(s3, bucket)}


def cli_env(settings: Any) -> dict[str, str]:
    """The environment for running `ats` as a subprocess against the same database and bucket."""
    import os

    return {
        **os.environ,
        "ATS_ENV": "development",
        "ATS_DATABASE_URL": settings.ats_database_url,
        "ATS_S3_BUCKET": settings.ats_s3_bucket,
        "ATS_S3_ENDPOINT_URL": settings.ats_s3_endpoint_url or "",
        "ATS_KMS_KEY_ID": settings.ats_kms_key_id,
        "AWS_REGION": settings.aws_region,
        "ATS_SECRET_KEY": settings.ats_secret_key.get_secret_value(),
        "ATS_SMTP_URL": settings.ats_smtp_url.get_secret_value() if settings.ats_smtp_url else "",
        "ATS_MAIL_FROM": settings.ats_mail_from,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
