"""Every panel form under hostile input (issue 8; DESIGN invariant 7: bad input changes nothing).

The forms are found from the app's route table (every POST route under /admin, so a new form is
covered when it is added), their field names and max lengths from the pages that show them.
Each is sent, by a user its rule admits, on position A's ids (tests/e2e/access_world.py):

- missing fields (only the CSRF token);
- a wrong type: a file where text belongs (multipart is refused with 415 outside the apply form);
- oversize: a body over the 64 KB urlencoded cap (413), and each field over its max length;
- markup (`<script>`), NUL, a lone surrogate (invalid UTF-8 in the body), an RTL override;

and must answer 4xx (never a 403 CSRF refusal: the token is valid, the form itself refuses),
leave every table's row count, every status, the bucket and the audit trail as they were, and
show any value it echoes escaped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest

from ats.web.app import route_table
from ats.web.csrf import MULTIPART_FORMS
from ats.web.rules import rule_of, walk
from tests.e2e.access_world import World, world_fixture
from tests.e2e.support import csrf_field, multipart, sql_all
from tests.e2e.test_access_matrix import privacy_request

MARKUP = '<script>alert("x")</script>'
ODD_TEXT = {
    "markup": MARKUP,
    "nul": "a\x00b",
    "rtl-override": "\u202eexe.pdf",
}
URLENCODED = "application/x-www-form-urlencoded"
ROLE_ORDER = ("recruiter", "privacy_officer", "admin", "hiring_manager")
# Forms position A's application (at background_check) does not show: their fields as the
# templates name them (admin/templates/_app_referees.html, _app_offer.html). A form found on a
# scanned page takes precedence.
NOT_SHOWN = {
    "/admin/applications/{application_id}/referees": {"full_name": 200, "email": 254, "relationship": 200},
    "/admin/applications/{application_id}/referees/{referee_id}/report": {f"q{n}": 4000 for n in range(1, 5)},
    "/admin/applications/{application_id}/offer/answer": {"answer": None, "note": 500},
    # A data-subject request's forms show only while it is open (admin/templates/admin_request.html);
    # the world's request awaits its code, so each is refused by its fields or as not open (409).
    "/admin/requests/{request_id}/extension": {"months": None, "reason": 2000},
    "/admin/requests/{request_id}/decision": {
        "decision": None, "reason": 2000, "full_name": 200, "email": 254, "phone": 40, "country": 2,
        "compelling_ground": 2000, "which": None,
    },
}
# Audit events a refused form may append: a failed sign-in is recorded (that is its point), and
# a refused workflow form shows the application page again, a read that is audited (invariant 6).
# A refused request form shows the case again, also an audited read.
READS = {"user.login_failed", "application.viewed", "privacy_request.read"}
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from world_fixture(request, tmp_path_factory)


class _Forms(HTMLParser):
    """action path -> {field name: maxlength or None} of every POST form on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, int | None]] = {}
        self.optional: set[str] = set()  # actions whose every field may be left out (no `required`)
        self._current: dict[str, int | None] | None = None
        self._action = ""
        self._required = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._action = urlsplit(a.get("action") or "").path
            self._current = self.forms.setdefault(self._action, {})
            self._required = False
        elif (
            tag in ("input", "select", "textarea")
            and self._current is not None
            and a.get("name") not in (None, "csrftoken")
            and a.get("type") not in ("submit", "button")
        ):
            self._required = self._required or "required" in a
            length = a.get("maxlength")
            self._current[a["name"]] = int(length) if length and length.isdigit() else None  # type: ignore[index]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._current is not None:
            if self._current and not self._required:
                self.optional.add(self._action)
            self._current = None


def _fill(world: World, path: str) -> str:
    a = world.positions["A"]
    ids = {
        "position_id": str(a.position_id),
        "application_id": a.application_id,
        "referee_id": a.referee_id,
        "check_id": a.check_id,
        "consent_id": a.consent_id,
        "user_id": str(world.victim.id),
        "token_id": world.victim_token_id,
        "record_id": a.records["cv"],
        "request_id": privacy_request(world),
    }
    return _PARAM.sub(lambda m: ids[m.group(1)], path)


def _pages(world: World) -> dict[str, list[str]]:
    a = world.positions["A"]
    return {
        "recruiter": [f"/admin/applications/{a.application_id}", f"/admin/positions/{a.position_id}", "/admin/"],
        "privacy_officer": [f"/admin/applications/{a.application_id}"],
        "admin": [
            "/admin/manage/users",
            f"/admin/manage/users/{world.victim.id}",
            "/admin/manage/positions",
            f"/admin/manage/positions/{a.position_id}",
        ],
    }


def panel_forms(world: World) -> list[tuple[str, str, str | None, dict[str, int | None], bool]]:
    """(route path, filled URL, role or None for a public form, fields, all of them optional) of
    every panel POST route."""
    found: dict[str, dict[str, int | None]] = {}
    optional: set[str] = set()
    for role, pages in _pages(world).items():
        for page in pages:
            response = world.sessions[role].get(page)
            assert response.status_code == 200, (role, page, response.status_code)
            parser = _Forms()
            parser.feed(response.text)
            for action, fields in parser.forms.items():
                found.setdefault(action, {}).update(fields)
            optional |= parser.optional
    with world.anonymous() as anon:
        parser = _Forms()
        parser.feed(anon.get("/admin/login").text)
        found.update(parser.forms)
    forms = []
    for path, route in walk(route_table(world.app)):
        if not path.startswith("/admin") or "POST" not in (route.methods or ()):
            continue
        if path == "/admin/logout":  # no fields; signing out is its whole effect
            continue
        rule = rule_of(route)
        assert rule is not None, path
        role = None if rule.public else next(r for r in ROLE_ORDER if rule.admits(r))  # type: ignore[arg-type]
        url = _fill(world, path)
        forms.append((path, url, role, found.get(url) or NOT_SHOWN.get(path, {}), url in optional))
    return forms


def _client_and_token(world: World, role: str | None) -> tuple[httpx.Client, str]:
    if role is None:
        client = world.anonymous()
        return client, csrf_field(client.get("/admin/login").text)
    return world.sessions[role], world.csrf[role]


def _urlencoded(pairs: list[tuple[str, str]]) -> bytes:
    # quote() of a str with a lone surrogate fails; those cases are built as bytes below.
    return "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs).encode()


def hostile_bodies(
    token: str, fields: dict[str, int | None], optional: bool, *, takes_files: bool = False
) -> Iterator[tuple[str, bytes, str, set[int] | None]]:
    """(case, body, content type, the statuses it must answer; None: any 4xx). "Missing" only
    where the form has a required field (a token's days, say, may be left to the default)."""
    base = [("csrftoken", token)]
    if fields and not optional:
        yield "missing", _urlencoded(base), URLENCODED, None
    names = list(fields) or ["value"]
    parts: list[tuple[str, Any]] = [("csrftoken", token)]
    parts += [(n, ("evil.txt", b"text where a value belongs", "text/plain")) for n in names]
    body, ctype = multipart(parts)
    # A form that takes a file (a check's result) parses multipart and refuses the file by field.
    yield "file where text belongs", body, ctype, (None if takes_files else {415})
    yield "body over 64 KB", _urlencoded([*base, (names[0], "x" * 70_000)]), URLENCODED, {413}
    # A form with no fields of its own ignores what is sent: only the body-level cases apply.
    for name, limit in fields.items():
        yield f"{name} over its length", _urlencoded([*base, (name, "x" * ((limit or 4000) + 1))]), URLENCODED, None
        for case, value in ODD_TEXT.items():
            yield f"{name} {case}", _urlencoded([*base, (name, value)]), URLENCODED, None
        # A lone surrogate as an urlencoded form can carry it: UTF-8-style bytes that are not UTF-8.
        yield f"{name} lone surrogate", _urlencoded(base) + f"&{name}=%ED%A0%80".encode(), URLENCODED, None


def state(world: World) -> tuple[dict[str, Any], list[str]]:
    """The snapshot, and the audit trail's actions other than the reads a refusal may append."""
    actions = sql_all(world.live.database_url, "SELECT action FROM audit_events ORDER BY action")
    return world.snapshot(), [str(a) for (a,) in actions if a not in READS]


def test_every_panel_form_refuses_hostile_values_and_changes_nothing(world: World) -> None:
    forms = panel_forms(world)
    assert len(forms) >= 5  # the walk found the panel's forms
    without_fields = [path for path, _, _, fields, _ in forms if not fields]
    print(f"\n{len(forms)} panel forms; no form found on the scanned pages for: {without_fields}")
    problems: list[str] = []
    sent = 0
    for path, url, role, fields, optional in forms:
        client, token = _client_and_token(world, role)
        before = state(world)
        takes_files = bool(MULTIPART_FORMS.match(url))
        for case, body, ctype, want in hostile_bodies(token, fields, optional, takes_files=takes_files):
            try:
                response = client.post(url, content=body, headers={"Content-Type": ctype})
            except httpx.TransportError as exc:
                problems.append(f"POST {path} ({case}): connection dropped ({type(exc).__name__})")
                continue
            sent += 1
            status = response.status_code
            if want is not None and status not in want:
                problems.append(f"POST {path} ({case}): {status}, expected {sorted(want)}")
            elif want is None and not (400 <= status < 500 and status != 403):
                problems.append(f"POST {path} ({case}): {status}, expected a 4xx from the form")
            if MARKUP in response.text:
                problems.append(f"POST {path} ({case}): the markup is echoed unescaped")
        after = state(world)
        if after != before:
            changed = [k for k in before[0] if before[0][k] != after[0][k]]
            added = sorted(set(after[1]) - set(before[1])) or len(after[1]) - len(before[1])
            audit = f"audit events added: {added}" if before[1] != after[1] else ""
            problems.append(f"POST {path}: hostile values changed {changed} {audit}".rstrip())
        if role is None:
            client.close()
    print(f"{sent} hostile form posts")
    assert not problems, "\n".join(problems)
    for role, session in world.sessions.items():  # the sessions lived through it all
        assert session.get("/admin/").status_code == 200, role
