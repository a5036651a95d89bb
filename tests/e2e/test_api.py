"""The JSON API (/api/v1) over real HTTP: the happy path, and hostile input that must change
nothing (invariant 7: a 4xx with the error shape of DESIGN §9, no row, no object)."""

from __future__ import annotations

import io
import json
import re
import threading
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from markupsafe import escape

from tests.e2e.support import (
    REFERENCE,
    Staff,
    add_position,
    admin_login,
    api_apply,
    applicant,
    assert_error_shape,
    bearer,
    close_position,
    multipart,
    parse_http,
    raw_http,
    sql_all,
)
from tests.helpers import bucket_versions, docx, pdf

MB = 1024 * 1024
LIMIT = 10 * MB  # ATS_MAX_UPLOAD_MB defaults to 10


# ---------------------------------------------------------------- public reads


def test_lists_only_open_positions(live: Any, client: httpx.Client) -> None:
    open_id = add_position(live, title="Data Analyst (Austin)", jurisdiction="US")
    closed_id = add_position(live, title="Old Role", jurisdiction="FR")
    close_position(live, closed_id)

    response = client.get("/api/v1/positions")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    positions = response.json()["positions"]
    assert [p["id"] for p in positions] == [str(open_id)]
    assert positions[0] == {
        "id": str(open_id),
        "title": "Data Analyst (Austin)",
        "jurisdiction": "US",
        "status": "open",
        "concluded_at": None,
    }


def test_openapi_document_is_json_with_the_public_paths(client: httpx.Client) -> None:
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    document = json.loads(response.content)
    assert str(document["openapi"]).startswith("3.")
    assert {
        "/positions",
        "/positions/{position_id}/applications",
        "/applications/{application_id}",
        "/records/{record_id}/content",
    } <= set(document["paths"])
    assert "post" in document["paths"]["/positions/{position_id}/applications"]
    assert "get" in document["paths"]["/applications/{application_id}"]


# ---------------------------------------------------------------- submit and read back


def test_submit_then_read_application_and_document(
    live: Any, client: httpx.Client, position: uuid.UUID, recruiter: Staff, snapshot: Any
) -> None:
    cv = pdf("CV of Ada, analytical engine programmer " * 200)
    before = snapshot()

    response = api_apply(client, position, cv=cv)

    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == {"id", "reference"}
    assert REFERENCE.match(created["reference"])
    application_id = uuid.UUID(created["id"])
    after = snapshot()
    assert after["rows"]["applications"] == before["rows"]["applications"] + 1
    assert after["rows"]["records"] == before["rows"]["records"] + 1
    assert len(after["objects"]) == len(before["objects"]) + 1

    got = client.get(f"/api/v1/applications/{application_id}", headers=bearer(recruiter))

    assert got.status_code == 200, got.text
    body = got.json()
    assert body["id"] == str(application_id)
    assert body["reference"] == created["reference"]
    assert body["status"] == "submitted"
    assert body["retention_until"] is None  # the position is still open
    assert body["legal_hold"] is False
    [record] = body["records"]
    assert record["record_type"] == "cv"
    assert record["legal_basis"] == "legitimate-interests"
    assert record["purpose"] == "employment.recruitment"
    assert record["jurisdiction"] == "GB"
    assert record["object_key"].startswith(f"applications/{application_id}/")
    assert record["object_key"] in {key for key, _ in after["objects"]}
    # The stored object is ciphertext: the CV's text is not in it.
    stored = live.s3env.s3.get_object(Bucket=live.s3env.bucket, Key=record["object_key"])["Body"].read()
    assert b"analytical engine" not in stored

    content = client.get(f"/api/v1/records/{record['id']}/content", headers=bearer(recruiter))

    assert content.status_code == 200
    assert content.content == cv
    assert content.headers["content-type"].startswith("application/pdf")
    assert content.headers["content-disposition"].startswith("attachment")


def test_docx_cv_with_talent_pool_consent_stores_two_tagged_records(
    live: Any, client: httpx.Client, position: uuid.UUID, recruiter: Staff
) -> None:
    response = api_apply(
        client,
        position,
        data=applicant(talent_pool_consent="true"),
        files={"cv": ("cv.docx", docx("Grace Hopper"), "application/octet-stream")},
    )
    assert response.status_code == 201, response.text

    body = client.get(f"/api/v1/applications/{response.json()['id']}", headers=bearer(recruiter)).json()

    by_type = {r["record_type"]: r for r in body["records"]}
    assert set(by_type) == {"cv", "talent-pool-consent"}
    assert by_type["cv"]["content_type"].endswith("wordprocessingml.document")
    assert by_type["talent-pool-consent"]["legal_basis"] == "consent"
    assert by_type["talent-pool-consent"]["purpose"] == "employment.recruitment.talent_pool"
    for record in body["records"]:
        tagging = live.s3env.s3.get_object_tagging(
            Bucket=live.s3env.bucket, Key=record["object_key"], VersionId=record["version_id"]
        )
        tags = {t["Key"]: t["Value"] for t in tagging["TagSet"]}
        assert tags["legal-basis"] == record["legal_basis"]
        assert tags["purpose"] == record["purpose"]
        assert tags["record-type"] == record["record_type"]
        assert tags["jurisdiction"] == record["jurisdiction"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer ats_not-a-real-token"},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic cmVjcnVpdGVyOnBhc3N3b3Jk"},
        {"Authorization": "ats_not-a-real-token"},
    ],
    ids=["none", "unknown-token", "empty-token", "basic-scheme", "no-scheme"],
)
def test_reading_an_application_needs_a_valid_token(
    live: Any, client: httpx.Client, position: uuid.UUID, recruiter: Staff, headers: dict[str, str]
) -> None:
    created = api_apply(client, position).json()
    record_id = sql_all(
        live.database_url, "SELECT id FROM records WHERE application_id = $1", uuid.UUID(created["id"])
    )[0][0]

    for path in (f"/api/v1/applications/{created['id']}", f"/api/v1/records/{record_id}/content"):
        response = client.get(path, headers=headers)

        assert response.status_code == 401, (path, response.text)
        error = assert_error_shape(response)
        assert error["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"
        assert "Ada" not in response.text and "%PDF" not in response.text


def test_unknown_application_and_record_are_404(client: httpx.Client, recruiter: Staff) -> None:
    for path in (
        f"/api/v1/applications/{uuid.uuid4()}",
        "/api/v1/applications/not-a-uuid",
        f"/api/v1/records/{uuid.uuid4()}/content",
        "/api/v1/no-such-endpoint",
    ):
        response = client.get(path, headers=bearer(recruiter))
        assert response.status_code == 404, path
        assert assert_error_shape(response)["code"] == "not_found"


# ---------------------------------------------------------------- hostile input changes nothing


def _exe() -> bytes:
    # A minimal DOS/PE header: "MZ", NUL padding, e_lfanew pointing at "PE\0\0".
    header = bytearray(b"MZ" + b"\x90\x00" + b"\x00" * 56 + (64).to_bytes(4, "little"))
    return bytes(header) + b"PE\x00\x00" + b"\x4c\x01" + b"\x00" * 200


def _elf() -> bytes:
    return b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + b"\x02\x00\x3e\x00" + b"\x00" * 200


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("payload.exe", _exe())
        z.writestr("readme.txt", "not a CV")
    return buf.getvalue()


_HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script>CV</body></html>"
_SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><text>CV</text></svg>'
)


def _cv(name: str, data: bytes, ctype: str = "application/pdf") -> dict[str, Any]:
    return {"cv": (name, data, ctype)}


HOSTILE: dict[str, tuple[dict[str, str] | None, dict[str, Any] | None, int, str | None, str | None]] = {
    # name: (fields, files, status, error code or None for any, field)
    "no-acknowledgement": (
        applicant(privacy_notice_acknowledged=None),
        None,
        422,
        None,
        "privacy_notice_acknowledged",
    ),
    "false-acknowledgement": (
        applicant(privacy_notice_acknowledged="false"),
        None,
        422,
        None,
        "privacy_notice_acknowledged",
    ),
    "malformed-email": (applicant(email="ada.example.com"), None, 422, None, "email"),
    "email-with-two-ats": (applicant(email="ada@@example.com"), None, 422, None, "email"),
    "missing-full-name": (applicant(full_name=None), None, 422, None, "full_name"),
    "blank-full-name": (applicant(full_name="   "), None, 422, None, "full_name"),
    "missing-email": (applicant(email=None), None, 422, None, "email"),
    "missing-country": (applicant(country=None), None, 422, None, "country"),
    "unknown-country": (applicant(country="XX"), None, 422, None, "country"),
    "missing-cv": (applicant(), {}, 422, None, "cv"),
    "file-as-full-name": (
        applicant(full_name=None),
        {"full_name": ("name.txt", b"Ada Lovelace", "text/plain"), **_cv("cv.pdf", pdf())},
        422,
        None,
        "full_name",
    ),
    "text-as-cv": (applicant(cv="%PDF-1.4 this is text, not a file"), {}, 422, None, "cv"),
    "windows-exe-as-pdf": (applicant(), _cv("cv.pdf", _exe()), 422, "unsupported_type", "cv"),
    "elf-as-pdf": (applicant(), _cv("cv.pdf", _elf()), 422, "unsupported_type", "cv"),
    "zip-as-docx": (
        applicant(),
        _cv("cv.docx", _zip(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        422,
        "unsupported_type",
        "cv",
    ),
    "html-as-pdf": (applicant(), _cv("cv.pdf", _HTML), 422, "unsupported_type", "cv"),
    "svg": (applicant(), _cv("cv.svg", _SVG, "image/svg+xml"), 422, "unsupported_type", "cv"),
    "empty-file": (applicant(), _cv("cv.pdf", b""), 422, "empty", "cv"),
    "cv-one-byte-over-limit": (
        applicant(),
        _cv("cv.pdf", b"%PDF-1.4\n" + b"0" * (LIMIT + 1 - 9)),
        413,
        "too_large",
        "cv",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_submission_is_refused_and_changes_nothing(
    client: httpx.Client, position: uuid.UUID, snapshot: Any, case: str
) -> None:
    fields, files, status, code, field = HOSTILE[case]
    if case == "cv-one-byte-over-limit":
        assert len(files["cv"][1]) == LIMIT + 1  # type: ignore[index]
    before = snapshot()

    response = api_apply(client, position, data=fields, files=files)

    assert response.status_code == status, response.text[:500]
    error = assert_error_shape(response)
    if code is not None:
        assert error["code"] == code
    assert error["field"] == field
    assert snapshot() == before


def test_body_far_over_the_cap_is_refused_by_content_length(
    live: Any, position: uuid.UUID, snapshot: Any
) -> None:
    before = snapshot()
    # The headers promise 1 GB; the server must answer without waiting for (or reading) it.
    head = (
        f"POST /api/v1/positions/{position}/applications HTTP/1.1\r\n"
        f"Host: 127.0.0.1\r\n"
        "Content-Type: multipart/form-data; boundary=xyz\r\n"
        f"Content-Length: {1024 * MB}\r\n\r\n"
    ).encode()

    status, headers, raw_body = parse_http(raw_http(live.url, head))

    assert status == 413, raw_body[:500]
    assert headers["content-type"].startswith("application/json")
    body = json.loads(raw_body)
    assert body["error"]["code"] == "too_large" and body["error"]["field"] is None
    assert "10 MB" in body["error"]["message"]
    assert snapshot() == before


def test_streamed_body_over_the_cap_is_refused(
    client: httpx.Client, position: uuid.UUID, snapshot: Any
) -> None:
    """Without a Content-Length (chunked), the cap is enforced by counting what arrives."""
    body, content_type = multipart(
        [*applicant().items(), ("cv", ("cv.pdf", b"%PDF-1.4\n", "application/pdf"))]
    )
    head, _, tail = body.rpartition(b"\r\n--")
    cap = 2 * LIMIT + 256 * 1024

    def chunks():  # type: ignore[no-untyped-def]
        yield head
        sent = len(head)
        while sent <= cap:  # stop just past the cap, so the server has little left to discard
            yield b"0" * (256 * 1024)
            sent += 256 * 1024
        yield b"\r\n--" + tail

    before = snapshot()
    response = client.post(
        f"/api/v1/positions/{position}/applications", content=chunks(), headers={"Content-Type": content_type}
    )

    assert response.status_code == 413, response.text[:300]
    assert assert_error_shape(response)["code"] == "too_large"
    assert snapshot() == before


def test_not_multipart_is_refused(client: httpx.Client, position: uuid.UUID, snapshot: Any) -> None:
    before = snapshot()
    for kwargs in (
        {"json": {**applicant(), "cv": "JVBERi0xLjQK"}},
        {"data": applicant()},  # urlencoded
        {"content": b"%PDF-1.4\n", "headers": {"Content-Type": "application/pdf"}},
    ):
        response = client.post(f"/api/v1/positions/{position}/applications", **kwargs)  # type: ignore[arg-type]

        assert 400 <= response.status_code < 500, (kwargs.keys(), response.text)
        assert_error_shape(response)
    assert snapshot() == before


def test_malformed_multipart_is_refused(client: httpx.Client, position: uuid.UUID, snapshot: Any) -> None:
    before = snapshot()
    for content_type, body in (
        ("multipart/form-data", b"--x\r\n"),  # no boundary parameter
        ("multipart/form-data; boundary=abc", b"this is not multipart at all"),
        (
            "multipart/form-data; boundary=abc",
            b'--abc\r\nContent-Disposition: form-data; name="cv"\r\n\r\nPDF',
        ),
    ):
        response = client.post(
            f"/api/v1/positions/{position}/applications", content=body, headers={"Content-Type": content_type}
        )

        assert 400 <= response.status_code < 500, (content_type, body, response.status_code)
        assert_error_shape(response)
    assert snapshot() == before


def test_unknown_and_malformed_position_ids_are_404(
    client: httpx.Client, position: uuid.UUID, snapshot: Any
) -> None:
    before = snapshot()
    for position_id in (uuid.uuid4(), "not-a-uuid", "1 OR 1=1", f"{position}x"):
        response = api_apply(client, position_id)

        assert response.status_code == 404, (position_id, response.text)
        assert assert_error_shape(response)["code"] == "not_found"
    assert snapshot() == before


def test_closed_position_is_409(live: Any, client: httpx.Client, position: uuid.UUID, snapshot: Any) -> None:
    close_position(live, position)
    before = snapshot()

    response = api_apply(client, position)

    assert response.status_code == 409, response.text
    assert assert_error_shape(response)["code"] == "position_closed"
    assert snapshot() == before


def test_a_duplicate_application_gets_the_same_answer_and_stores_nothing(
    client: httpx.Client, position: uuid.UUID, snapshot: Any
) -> None:
    # Issue 9 #10: the public answer must not tell anyone whether an address has applied.
    first = api_apply(client, position)
    assert first.status_code == 201
    before = snapshot()

    # The same address however it is typed: case and surrounding spaces do not make it new.
    for email in ("ada@example.com", " ADA@Example.COM "):
        again = api_apply(client, position, data=applicant(email=email, full_name="Ada L."))

        assert again.status_code == 201, again.text
        assert set(again.json()) == set(first.json()) == {"id", "reference"}
        assert again.json()["id"] != first.json()["id"]
        assert len(again.json()["reference"]) == len(first.json()["reference"])
    after = snapshot()  # no row, object or key of either upload; one notice each in the outbox
    assert after["rows"].pop("outbox") == before["rows"].pop("outbox") + 2
    assert after == before


def test_same_person_may_apply_to_another_position(
    live: Any, client: httpx.Client, position: uuid.UUID, snapshot: Any
) -> None:
    other = add_position(live, title="Ingénieur·e logiciel (Paris)", jurisdiction="FR")
    assert api_apply(client, position).status_code == 201
    before = snapshot()

    response = api_apply(client, other)

    assert response.status_code == 201, response.text
    after = snapshot()
    assert after["rows"]["applications"] == before["rows"]["applications"] + 1
    # Each application has its own contact row: a public form never attaches an upload to
    # an existing person's (issue 9 #10).
    assert after["rows"]["persons"] == before["rows"]["persons"] + 1


# ---------------------------------------------------------------- names and filenames


@pytest.mark.parametrize(
    "filename",
    ["../../etc/passwd.pdf", "..\\..\\windows\\system32\\passwd.pdf", "/etc/passwd.pdf"],
    ids=["posix-relative", "windows", "posix-absolute"],
)
def test_path_in_filename_is_accepted_but_never_reaches_the_key_or_display_name(
    live: Any, client: httpx.Client, position: uuid.UUID, recruiter: Staff, filename: str
) -> None:
    response = api_apply(client, position, files={"cv": (filename, pdf(), "application/pdf")})

    assert response.status_code == 201, response.text
    [record] = client.get(f"/api/v1/applications/{response.json()['id']}", headers=bearer(recruiter)).json()[
        "records"
    ]
    assert record["filename"] == "passwd.pdf"
    assert "/" not in record["filename"] and "\\" not in record["filename"]
    for key, _ in bucket_versions(live.s3env.s3, live.s3env.bucket):
        assert ".." not in key and "passwd" not in key and "etc" not in key.split("/")
    assert re.fullmatch(r"applications/[0-9a-f-]{36}/cv/[0-9a-f-]{36}", record["object_key"])
    # The name the database keeps is the cleaned one too.
    [(stored,)] = sql_all(
        live.database_url, "SELECT filename FROM records WHERE id = $1", uuid.UUID(record["id"])
    )
    assert stored == "passwd.pdf"


NAMES = [
    '<script>alert("x")</script> Robert\'); DROP TABLE persons;--',
    "Zoë Łukasiewicz-Ōtsuka 山田太郎 Ñúñez",
    '"><img src=x onerror=alert(1)> & Co',
]


@pytest.mark.parametrize("name", NAMES, ids=["script-and-sql", "unicode", "attribute-breakout"])
def test_markup_and_unicode_names_are_accepted_and_shown_escaped(
    live: Any, client: httpx.Client, position: uuid.UUID, recruiter: Staff, name: str
) -> None:
    response = api_apply(client, position, data=applicant(full_name=name))

    assert response.status_code == 201, response.text
    application_id = uuid.UUID(response.json()["id"])
    [(stored,)] = sql_all(
        live.database_url,
        "SELECT p.full_name FROM persons p JOIN applications a ON a.person_id = p.id WHERE a.id = $1",
        application_id,
    )
    assert stored == name  # kept exactly as typed: escaping is the page's job, not storage's
    assert admin_login(client, recruiter).status_code == 303
    for path in (f"/admin/positions/{position}", f"/admin/applications/{application_id}"):
        page = client.get(path)

        assert page.status_code == 200
        assert str(escape(name)) in page.text
        if name != str(escape(name)):
            assert name not in page.text
        assert "<script>" not in page.text and "<img" not in page.text


# ---------------------------------------------------------------- concurrency


def _concurrently(live: Any, jobs: list[tuple[Any, dict[str, str]]]) -> list[httpx.Response]:
    """Send every (position, fields) submission at once, each on its own connection."""
    barrier = threading.Barrier(len(jobs))

    def send(job: tuple[Any, dict[str, str]]) -> httpx.Response:
        with live.client() as c:
            barrier.wait()
            return api_apply(c, job[0], data=job[1])

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(send, jobs))


def test_concurrent_duplicates_store_one_application_and_no_orphan(
    live: Any, position: uuid.UUID, snapshot: Any
) -> None:
    before = snapshot()

    responses = _concurrently(live, [(position, applicant())] * 4)

    assert [r.status_code for r in responses] == [201] * 4, [r.text[:200] for r in responses]
    assert len({r.json()["id"] for r in responses}) == 4  # alike: nobody learns who was first
    after = snapshot()
    assert after["rows"]["applications"] == before["rows"]["applications"] + 1
    assert after["rows"]["persons"] == before["rows"]["persons"] + 1
    # The losers' objects were written before their rows failed: they must be gone again.
    assert len(after["objects"]) == after["rows"]["records"] == 1


def test_a_new_person_applying_to_several_positions_at_once_gets_every_application(live: Any) -> None:
    """Applications of one address to several positions at once: each is stored, each with
    its own contact row (issue 9 #10), none taken for a duplicate."""
    # The race needs both transactions between their read and their insert: a few rounds make
    # it near certain on PostgreSQL, while SQLite's IMMEDIATE transactions serialise them.
    for round_ in range(8):
        positions = [add_position(live, title=f"Role {round_}.{i}") for i in range(4)]
        fields = applicant(email=f"new.person.{round_}@example.com")

        responses = _concurrently(live, [(p, fields) for p in positions])

        assert [r.status_code for r in responses] == [201] * 4, [r.text[:200] for r in responses]
    counts = sql_all(live.database_url, "SELECT COUNT(*) FROM persons")
    assert counts == [(32,)]
    objects = bucket_versions(live.s3env.s3, live.s3env.bucket)
    assert len(objects) == sql_all(live.database_url, "SELECT COUNT(*) FROM records")[0][0] == 32


def test_api_post_from_a_browser_with_cookies_gets_the_api_answer_not_a_csrf_refusal(
    client: httpx.Client,
) -> None:
    # The API authenticates by bearer token only, so a browser's cookies neither help nor hurt:
    # the request reaches the API (401, JSON), not the form's CSRF check.
    client.cookies.set("csrftoken", "not-a-signed-token")
    client.cookies.set("ats_session", "whatever")
    response = client.post(f"/api/v1/applications/{uuid.uuid4()}/transitions", json={"to": "screening"})
    assert response.status_code == 401
    assert assert_error_shape(response)["code"] == "unauthorized"


def test_a_positions_applications_come_in_pages_that_cover_each_once(
    client: httpx.Client, position: uuid.UUID, recruiter: Staff
) -> None:
    made = set()
    for i in range(5):
        response = api_apply(client, position, data=applicant(email=f"page{i}@example.org"))
        assert response.status_code == 201, response.text
        made.add(response.json()["id"])
    url = f"/api/v1/positions/{position}/applications"
    seen: list[str] = []
    params: dict[str, str] = {"limit": "2"}
    for _ in range(3):
        page = client.get(url, params=params, headers=bearer(recruiter))
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [a["id"] for a in body["applications"]]
        if body["next"] is None:
            break
        params = {"limit": "2", "after": body["next"]}
    assert body["next"] is None and len(seen) == 5 and set(seen) == made
    whole = client.get(url, headers=bearer(recruiter)).json()  # default page size: 50
    assert [a["id"] for a in whole["applications"]] == seen and whole["next"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after": "not-a-marker"}, "after"),
        ({"after": "<script>alert(1)</script>"}, "after"),
        ({"after": "x" * 300}, "after"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1000"}, "limit"),
        ({"limit": "two"}, "limit"),
    ],
)
def test_bad_page_parameters_are_422_naming_the_parameter(
    live: Any, client: httpx.Client, position: uuid.UUID, recruiter: Staff, params: dict[str, str], field: str
) -> None:
    audit = sql_all(live.database_url, "SELECT COUNT(*) FROM audit_events")
    response = client.get(f"/api/v1/positions/{position}/applications", params=params, headers=bearer(recruiter))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field and error["message"]
    assert "<script>" not in response.text
    assert sql_all(live.database_url, "SELECT COUNT(*) FROM audit_events") == audit
