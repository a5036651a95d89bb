"""The candidate pages over real HTTP, as a browser without JavaScript uses them: the form, its
CSRF token, errors shown next to their fields, the confirmation page, the security headers."""

from __future__ import annotations

import re
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.support import (
    REFERENCE,
    add_position,
    add_staff,
    admin_login,
    applicant,
    close_position,
    csrf_field,
    cv_part,
    form_apply,
    multipart,
    parse_http,
    post_multipart,
    raw_http,
    sql_all,
)
from tests.helpers import pdf

MB = 1024 * 1024
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200


def _cookie_attributes(response: httpx.Response, name: str) -> str:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(
        f"no {name} cookie set; Set-Cookie headers: {response.headers.get_list('set-cookie')}"
    )


# How a submission reaches the handler: as a browser sends it (CSRF cookie, token first), or the
# same body without cookies, which asgi-csrf passes unchecked. The second keeps the handler's own
# behaviour under test with and without the CSRF cookie.
MODES = [pytest.param(True, id="browser"), pytest.param(False, id="cookieless")]


@pytest.fixture(params=MODES)
def cookies(request: pytest.FixtureRequest) -> bool:
    return request.param


# ---------------------------------------------------------------- the form


def test_positions_page_links_to_the_form(client: httpx.Client, position: uuid.UUID) -> None:
    page = client.get("/")

    assert page.status_code == 200
    assert "Backend Engineer (London)" in page.text
    assert f'href="/positions/{position}"' in page.text


def test_form_sets_a_csrf_cookie_and_carries_the_token_first(
    client: httpx.Client, position: uuid.UUID
) -> None:
    page = client.get(f"/positions/{position}")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    cookie = _cookie_attributes(page, "csrftoken")
    assert "samesite=lax" in cookie.lower()
    token = csrf_field(page.text)
    assert client.cookies["csrftoken"] == token
    form = page.text[page.text.index("<form") :]
    assert form.index('name="csrftoken"') < form.index('name="full_name"')
    assert 'enctype="multipart/form-data"' in form
    assert f'action="/positions/{position}/apply"' in form
    assert "<script" not in page.text  # works without JavaScript, because there is none


def test_valid_submission_redirects_to_the_confirmation_with_the_reference(
    live: Any, client: httpx.Client, position: uuid.UUID, snapshot: Any, cookies: bool
) -> None:
    before = snapshot()

    response = form_apply(client, position, cookies=cookies)

    assert response.status_code == 303, response.text[:500]
    location = response.headers["location"]
    match = re.fullmatch(rf"/positions/{position}/submitted\?reference=(APP-[A-Z0-9]{{10}})", location)
    assert match, location
    reference = match.group(1)
    assert REFERENCE.match(reference)
    confirmation = client.get(location)
    assert confirmation.status_code == 200
    assert f'<strong class="reference">{reference}</strong>' in confirmation.text
    rows = sql_all(live.database_url, "SELECT position_id FROM applications WHERE reference = $1", reference)
    assert [str(r[0]) for r in rows] == [str(position)]
    after = snapshot()
    assert after["rows"]["applications"] == before["rows"]["applications"] + 1
    assert len(after["objects"]) == len(before["objects"]) + 1


def test_confirmation_page_only_for_well_formed_references(client: httpx.Client, position: uuid.UUID) -> None:
    for reference in ("<script>alert(1)</script>", "APP-123", "", "APP-ABCDEFGHIJ%0d%0aX: y"):
        response = client.get(f"/positions/{position}/submitted", params={"reference": reference})
        assert response.status_code == 404, reference
        assert "<script>alert" not in response.text


def test_errors_are_shown_next_to_fields_values_kept_and_escaped(
    client: httpx.Client, position: uuid.UUID, snapshot: Any, cookies: bool
) -> None:
    name = '<script>alert("x")</script> Zoë'
    before = snapshot()

    response = form_apply(
        client,
        position,
        data=applicant(full_name=name, email="not-an-email", country="", privacy_notice_acknowledged=None),
        files=cv_part(ELF),
        cookies=cookies,
    )

    assert response.status_code == 422
    page = response.text
    assert page.count('role="alert"') == 1  # one summary, listing every problem
    for field, fragment in (
        ("email", "valid email address"),
        ("country", "Choose the country"),
        ("cv", "program, not a document"),
        ("privacy_notice_acknowledged", "privacy notice"),
    ):
        error = re.search(rf'<p class="field-error" id="{field}-error">([^<]+)</p>', page)
        assert error, f"no error shown for {field}"
        assert fragment in error.group(1)
        # Next to its field: the message sits inside the field's block, right before its control.
        block = page[error.start() : page.index(f'id="{field}"', error.start())]
        assert "</div>" not in block and "<label" not in block, block
        control = re.search(rf'<(?:input|select) id="{field}"[^>]*>', page)
        assert control and f'aria-describedby="{field}-error"' in control.group(0)
        assert f'href="#{field}"' in page  # the summary links to the field
    assert 'id="full_name-error"' not in page  # a valid field gets no error
    # What was typed is kept (so it need not be typed again), escaped.
    assert 'value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Zoë"' in page
    assert 'value="not-an-email"' in page
    assert "<script>" not in page
    assert "choose your CV again" in page
    assert snapshot() == before


@pytest.mark.parametrize(
    ("fields", "files", "field"),
    [
        (applicant(privacy_notice_acknowledged=None), None, "privacy_notice_acknowledged"),
        (applicant(privacy_notice_acknowledged="false"), None, "privacy_notice_acknowledged"),
        (applicant(phone="call me <maybe>"), None, "phone"),
        (applicant(full_name=""), None, "full_name"),
        (applicant(), {}, "cv"),
        (applicant(), cv_part(b""), "cv"),
        (applicant(), cv_part(b"<html><body>CV</body></html>"), "cv"),
        (applicant(), cv_part(b"%PDF-1.4\n" + b"0" * (10 * MB)), "cv"),
        (applicant(), {**cv_part(), "cover_letter": ("letter.pdf", ELF, "application/pdf")}, "cover_letter"),
    ],
    ids=[
        "no-ack",
        "false-ack",
        "bad-phone",
        "no-name",
        "no-cv",
        "empty-cv",
        "html-cv",
        "oversize-cv",
        "exe-letter",
    ],
)
def test_each_problem_is_shown_at_its_field_and_nothing_is_stored(
    client: httpx.Client,
    position: uuid.UUID,
    snapshot: Any,
    cookies: bool,
    fields: dict[str, str],
    files: Any,
    field: str,
) -> None:
    before = snapshot()

    response = form_apply(client, position, data=fields, files=files, cookies=cookies)

    assert response.status_code in {413, 422}, response.text[:500]
    assert re.search(rf'<p class="field-error" id="{field}-error">[^<]{{10,}}</p>', response.text)
    assert 'value="Ada Lovelace"' in response.text or field == "full_name"
    assert snapshot() == before


def test_a_duplicate_through_the_form_gets_the_same_confirmation_and_stores_nothing(
    client: httpx.Client, position: uuid.UUID, snapshot: Any, cookies: bool
) -> None:
    # Issue 9 #10: the form must not tell anyone whether an address has applied.
    first = form_apply(client, position, cookies=cookies)
    assert first.status_code == 303
    before = snapshot()

    response = form_apply(client, position, data=applicant(email="ADA@example.com"), cookies=cookies)

    assert response.status_code == 303
    assert re.fullmatch(
        rf"/positions/{position}/submitted\?reference=[^&]+", response.headers["location"]
    )
    assert response.headers["location"] != first.headers["location"]
    assert client.get(response.headers["location"]).status_code == 200
    after = snapshot()
    # The one row it writes is the private notice to the address on file, in the outbox.
    assert after["rows"].pop("outbox") == before["rows"].pop("outbox") + 1
    assert after == before


def test_closed_and_unknown_positions(
    live: Any, client: httpx.Client, position: uuid.UUID, snapshot: Any, cookies: bool
) -> None:
    form = client.get(f"/positions/{position}")
    token = csrf_field(form.text)
    close_position(live, position)
    before = snapshot()

    assert client.get(f"/positions/{position}").status_code == 409
    if not cookies:
        client.cookies.clear()
    late = post_multipart(
        client,
        f"/positions/{position}/apply",
        [("csrftoken", token), *applicant().items(), *cv_part().items()],
    )
    assert late.status_code == 409
    assert "no longer accepting applications" in late.text
    for bad in (uuid.uuid4(), "not-a-uuid"):
        assert httpx.get(f"{live.url}/positions/{bad}").status_code == 404
        response = post_multipart(
            client,
            f"/positions/{bad}/apply",
            [("csrftoken", token), *applicant().items(), *cv_part().items()],
        )
        assert response.status_code == 404
    assert snapshot() == before


# ---------------------------------------------------------------- CSRF


def test_multipart_post_without_the_right_token_is_refused_and_stores_nothing(
    client: httpx.Client, position: uuid.UUID, snapshot: Any
) -> None:
    token = csrf_field(client.get(f"/positions/{position}").text)  # the cookie is now set
    assert client.cookies.get("csrftoken")
    path = f"/positions/{position}/apply"
    other_token = csrf_field(httpx.get(str(client.base_url.join(f"/positions/{position}"))).text)
    before = snapshot()

    for parts in (
        [*applicant().items(), *cv_part().items()],  # no token at all
        [("csrftoken", "forged"), *applicant().items(), *cv_part().items()],
        [("csrftoken", other_token), *applicant().items(), *cv_part().items()],  # another browser's
    ):
        response = post_multipart(client, path, parts)

        assert response.status_code == 403, response.text[:300]
        assert "expired" in response.text
    assert snapshot() == before
    # The whole form is parsed (in memory) before the check, so the token's position is free.
    late = post_multipart(client, path, [*applicant().items(), *cv_part().items(), ("csrftoken", token)])
    assert late.status_code == 303


def test_urlencoded_post_without_the_right_token_is_refused_and_stores_nothing(
    client: httpx.Client, position: uuid.UUID, snapshot: Any
) -> None:
    client.get(f"/positions/{position}")  # the cookie is now set
    assert client.cookies.get("csrftoken")
    before = snapshot()

    for data, headers in (
        (applicant(), {}),
        ({"csrftoken": "forged", **applicant()}, {}),
        (applicant(), {"x-csrftoken": "forged"}),
    ):
        response = client.post(f"/positions/{position}/apply", data=data, headers=headers)

        assert response.status_code == 403, response.text[:300]
        assert "expired" in response.text
    assert snapshot() == before


# ---------------------------------------------------------------- headers and origins


def _pages(
    live: Any, client: httpx.Client, position: uuid.UUID
) -> Iterator[tuple[str, int, dict[str, str], str]]:
    """(what, status, headers, body) of every kind of page the app answers with."""
    for path in (
        "/",
        "/privacy",
        f"/positions/{position}",
        f"/positions/{uuid.uuid4()}",
        "/positions/not-a-uuid",
        "/no-such-page",
        "/static/site.css",
        "/healthz",
        "/admin/login",
        "/admin/",
        "/api/v1/positions",
        "/api/v1/openapi.json",
        "/api/v1/no-such-endpoint",
    ):
        r = client.get(path)
        yield path, r.status_code, dict(r.headers), r.text
    applied = form_apply(client, position, cookies=False)
    yield "POST apply", applied.status_code, dict(applied.headers), applied.text
    confirmation = client.get(f"/positions/{position}/submitted?reference=APP-ABCDEFGHJK")
    yield "confirmation", confirmation.status_code, dict(confirmation.headers), confirmation.text
    invalid = form_apply(client, position, data=applicant(email="x", full_name="Bo"), cookies=False)
    yield "POST apply invalid", invalid.status_code, dict(invalid.headers), invalid.text
    client.get(f"/positions/{position}")
    forged = client.post(f"/positions/{position}/apply", data=applicant())
    yield "POST csrf failure", forged.status_code, dict(forged.headers), forged.text
    staff = add_staff(live, email="headers@example.com")
    signed_in = admin_login(client, staff)
    yield "POST login", signed_in.status_code, dict(signed_in.headers), signed_in.text
    for path in ("/admin/", f"/admin/positions/{position}"):
        r = client.get(path)
        yield path, r.status_code, dict(r.headers), r.text
    status, headers, body = parse_http(
        raw_http(
            live.url,
            (
                f"POST /positions/{position}/apply HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 999999999\r\n\r\n"
            ).encode(),
        )
    )
    yield "POST too large", status, headers, body.decode()


def test_security_headers_on_every_page(live: Any, client: httpx.Client, position: uuid.UUID) -> None:
    seen = set()
    for what, status, headers, _ in _pages(live, client, position):
        seen.add(status)
        csp = headers.get("content-security-policy", "")
        directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
        assert directives.get("default-src") == "default-src 'none'", (what, csp)
        assert directives.get("frame-ancestors") == "frame-ancestors 'none'", (what, csp)
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp, (what, csp)
        assert headers.get("x-content-type-options") == "nosniff", what
        assert headers.get("x-frame-options") == "DENY", what
        assert headers.get("referrer-policy") == "no-referrer", what
    assert {200, 303, 403, 404, 413, 422} <= seen  # the walk really covered the error pages


_URL_ATTR = re.compile(
    r"""(?:src|href|action|formaction|srcset|poster|data|manifest|background)\s*=\s*["']?([^"'\s>]*)""", re.I
)


def test_no_page_references_a_third_party_origin(
    live: Any, client: httpx.Client, position: uuid.UUID
) -> None:
    checked = 0
    for what, _, headers, body in _pages(live, client, position):
        if not headers.get("content-type", "").startswith(("text/html", "text/css")):
            continue
        checked += 1
        for url in _URL_ATTR.findall(body):
            assert not url.startswith("//"), (what, url)
            assert url.startswith(("/", "#", "?")) or url.startswith(live.url), (what, url)
        for url in re.findall(r"(?i)\b(?:https?:)?//[^\s\"'<>)]+", body):
            assert url.startswith(live.url), (what, url)
        assert not re.search(r"(?i)@import|url\(\s*['\"]?(?:https?:)?//", body), what
        assert "<script" not in body.lower() and "<iframe" not in body.lower(), what
    assert checked >= 10


# ---------------------------------------------------------------- nothing on local disk


class _DiskWatch:
    """Records every file the process opens under one directory, and every temp file made
    anywhere, through Python's audit hooks (these also see O_TMPFILE files, which have no name
    and so never show up in a directory listing)."""

    installed = False
    active: _DiskWatch | None = None

    def __init__(self, directory: Path) -> None:
        self.directory = str(directory)
        self.events: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    @classmethod
    def _hook(cls, event: str, args: tuple[Any, ...]) -> None:
        watch = cls.active
        if watch is None:
            return
        if event in {"tempfile.mkstemp", "tempfile.mkdtemp"}:
            with watch.lock:
                watch.events.append((event, str(args[0])))
        elif event == "open" and args and isinstance(args[0], (str, bytes)):
            path = args[0].decode(errors="replace") if isinstance(args[0], bytes) else args[0]
            if path.startswith(watch.directory):
                with watch.lock:
                    watch.events.append((event, path))

    def __enter__(self) -> _DiskWatch:
        if not _DiskWatch.installed:
            sys.addaudithook(_DiskWatch._hook)  # cannot be removed; inert while `active` is None
            _DiskWatch.installed = True
        _DiskWatch.active = self
        return self

    def __exit__(self, *exc: object) -> None:
        _DiskWatch.active = None


@pytest.mark.parametrize(
    "route",
    ["form-browser", "form-cookieless", "api"],
)
def test_a_3_mb_cv_never_touches_the_temp_directory(
    client: httpx.Client, position: uuid.UUID, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, route: str
) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))  # the server runs in this process
    cv = pdf("x" * (3 * MB))
    assert len(cv) > 3 * MB  # over Starlette's (and python-multipart's) 1 MB spooling threshold

    with _DiskWatch(spool) as watch:
        if route == "api":
            response = post_multipart(
                client,
                f"/api/v1/positions/{position}/applications",
                [*applicant().items(), *cv_part(cv).items()],
            )
            assert response.status_code == 201, response.text[:300]
        else:
            response = form_apply(client, position, files=cv_part(cv), cookies=route == "form-browser")
            assert response.status_code == 303, response.text[:300]

    assert watch.events == []
    assert list(spool.iterdir()) == []


# ---------------------------------------------------------------- the body cap on the form


def test_chunked_form_body_over_the_cap_is_413(
    client: httpx.Client, position: uuid.UUID, snapshot: Any
) -> None:
    token = csrf_field(client.get(f"/positions/{position}").text)
    body, content_type = multipart(
        [("csrftoken", token), *applicant().items(), ("cv", ("cv.pdf", b"%PDF-1.4\n", "application/pdf"))]
    )
    head, _, tail = body.rpartition(b"\r\n--")
    cap = 2 * 10 * MB + 256 * 1024

    def chunks() -> Iterator[bytes]:
        yield head
        sent = len(head)
        while sent <= cap:
            yield b"0" * (256 * 1024)
            sent += 256 * 1024
        yield b"\r\n--" + tail

    before = snapshot()
    response = client.post(
        f"/positions/{position}/apply", content=chunks(), headers={"Content-Type": content_type}
    )

    assert response.status_code == 413, response.text[:300]
    assert "at most 10 MB" in response.text
    assert snapshot() == before


def test_position_title_markup_is_escaped(live: Any, client: httpx.Client) -> None:
    position = add_position(live, title='<img src=x onerror=alert(1)> "Engineer"')
    for path in ("/", f"/positions/{position}"):
        page = client.get(path)
        assert page.status_code == 200
        assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
        assert "<img" not in page.text


def test_unusual_multipart_content_types_never_cause_a_server_error(
    client: httpx.Client, position: uuid.UUID, snapshot: Any
) -> None:
    token = csrf_field(client.get(f"/positions/{position}").text)
    body, content_type = multipart([("csrftoken", token), *applicant().items(), *cv_part().items()])
    boundary = content_type.split("boundary=")[1]
    before = snapshot()

    refused = client.post(
        f"/positions/{position}/apply", content=body, headers={"Content-Type": "multipart/form-data"}
    )

    assert 400 <= refused.status_code < 500, refused.status_code
    assert snapshot() == before
    for spelling in (
        f"multipart/form-data;boundary={boundary}",
        f'multipart/form-data; boundary="{boundary}"',
    ):
        client.cookies.clear()
        token = csrf_field(client.get(f"/positions/{position}").text)
        body, _ = multipart(
            [
                ("csrftoken", token),
                *applicant(email=f"{len(spelling)}@example.com").items(),
                *cv_part().items(),
            ]
        )
        accepted = client.post(
            f"/positions/{position}/apply", content=body, headers={"Content-Type": spelling}
        )

        assert accepted.status_code == 303, (spelling, accepted.status_code)
