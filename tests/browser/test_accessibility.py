"""axe-core on every candidate and panel page (issue 8 item 5): 0 violations of its WCAG 2.0/2.1/2.2
A and AA rules and its best practices (tests.browser.conftest.AXE_TAGS), in Chromium.

One world per database (tests/e2e/access_world.py: staff of every role, an assigned open position
A with an application walked to a `clear` background check, another team's position B, a
concluded position C), a few more applications at other stages, and one browser for the module.
Each page is its own test, so a failure names the page, the rules, their impact and the elements.
Signed-in contexts are reused across the pages of a role.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import assert_accessible, launch_chromium, new_context
from tests.e2e.access_world import World, world_fixture
from tests.e2e.support import (
    add_position,
    api_apply,
    applicant,
    assign,
    bearer,
    csrf_field,
    post_multipart,
    sql_all,
)
from tests.helpers import pdf

pytestmark = pytest.mark.browser

API = "/api/v1"


@dataclass
class Extra:
    """What the access world lacks: applications at other stages and links not yet answered."""

    submitted: str = ""  # an application just received (position A)
    offer_link: str = ""  # an extended offer's link, unanswered (position A)
    standalone_consent_link: str = ""  # a US consent request, unanswered (FCRA standalone disclosure)
    consider: str = ""  # a US check with a `consider` result: the pre-adverse notice form
    pre_adverse: str = ""  # a US check after the pre-adverse notice: the decision form
    us_position: uuid.UUID = field(default_factory=uuid.uuid4)


def _ok(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in (statuses or (200,)), (response.request.url, response.text[:500])
    return response.json() if response.headers.get("content-type", "").startswith("application/json") else {}


def _walk(client: httpx.Client, world: World, application_id: str, *states: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for to in states:
        body = _ok(
            client.post(
                f"{API}/applications/{application_id}/transitions",
                json={"to": to},
                headers=bearer(world.staff["recruiter"]),
            )
        )
    return body


def _apply(client: httpx.Client, position_id: Any, name: str, email: str, country: str = "GB") -> str:
    created = api_apply(
        client, position_id, data=applicant(full_name=name, email=email, country=country), cv=pdf()
    )
    return str(_ok(created, 201)["id"])


def _extra(world: World) -> Extra:
    extra = Extra()
    a = world.positions["A"].position_id
    recruiter = world.staff["recruiter"]
    with world.live.client() as client:
        extra.submitted = _apply(client, a, "Sam Submitted", "sam@example.com")
        offered = _apply(client, a, "Olive Offer", "olive@example.com")
        extra.offer_link = _walk(
            client, world, offered, "screening", "interview", "reference_check", "offer_extended"
        )["offer_link"]
        extra.us_position = add_position(world.live, title="Payments Engineer (New York)", jurisdiction="US")
        assign(world.live, extra.us_position, recruiter)
        us = _apply(client, extra.us_position, "Uma States", "uma@example.com", country="US")
        link = _walk(client, world, us, "screening", "interview", "reference_check", "offer_extended")[
            "offer_link"
        ]
        page = client.get(link)
        _ok(client.post(link, data={"csrftoken": csrf_field(page.text), "decision": "accept"}))
        consent = _ok(
            client.post(
                f"{API}/applications/{us}/background-check/consent-requests",
                json={"check_types": ["criminal", "employment"]},
                headers=bearer(recruiter),
            ),
            201,
        )
        extra.standalone_consent_link = consent["link"]
        extra.consider = _to_consider(client, world, extra.us_position, "Cal Consider", "cal@example.com")
        extra.pre_adverse = _to_consider(client, world, extra.us_position, "Pia Notice", "pia@example.com")
        check_id = sql_all(
            world.live.database_url,
            "SELECT id FROM background_checks WHERE application_id = $1",
            uuid.UUID(extra.pre_adverse),
        )[0][0]
        _ok(client.post(f"{API}/checks/{check_id}/pre-adverse-notice", headers=bearer(recruiter)))
    return extra


def _to_consider(client: httpx.Client, world: World, position_id: uuid.UUID, name: str, email: str) -> str:
    """A US application walked through the API to a criminal check whose result is `consider`."""
    recruiter = world.staff["recruiter"]
    application = _apply(client, position_id, name, email, country="US")
    link = _walk(client, world, application, "screening", "interview", "reference_check", "offer_extended")[
        "offer_link"
    ]
    _ok(client.post(link, data={"csrftoken": csrf_field(client.get(link).text), "decision": "accept"}))
    consent = _ok(
        client.post(
            f"{API}/applications/{application}/background-check/consent-requests",
            json={"check_types": ["criminal"]},
            headers=bearer(recruiter),
        ),
        201,
    )
    fields = {"typed_name": name, "confirmed": "true", "action": "authorise"}
    _ok(
        client.post(
            consent["link"], data={"csrftoken": csrf_field(client.get(consent["link"]).text), **fields}
        )
    )
    check = _ok(
        client.post(
            f"{API}/applications/{application}/background-check/checks",
            json={"consent_request_id": consent["id"], "check_type": "criminal"},
            headers=bearer(recruiter),
        ),
        201,
    )
    parts = [("result", "consider"), ("document", ("report.pdf", pdf("Report"), "application/pdf"))]
    _ok(post_multipart(client, f"{API}/checks/{check['id']}/result", parts, headers=bearer(recruiter)))
    return application


@dataclass
class Visit:
    world: World
    extra: Extra
    browser: Browser
    contexts: dict[str, BrowserContext] = field(default_factory=dict)

    def page(self, role: str | None) -> Page:
        """A page of one context per role (signed in through the sign-in form), or anonymous."""
        key = role or "anonymous"
        if key not in self.contexts:
            context, _ = new_context(self.browser, javascript=True)
            self.contexts[key] = context
            page = context.new_page()
            if role is not None:
                user = self.world.staff[role]
                page.goto(f"{self.world.live.url}/admin/login")
                page.get_by_label("Email address").fill(user.email)
                page.get_by_label("Password").fill(user.password)
                page.get_by_role("button", name="Sign in").click()
                expect(page.get_by_role("heading", level=1)).to_have_text("Positions")
        return self.contexts[key].pages[0]

    def url(self, path: str) -> str:
        return f"{self.world.live.url}{path}"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from world_fixture(request, tmp_path_factory)


@pytest.fixture(scope="module")
def visit(world: World) -> Iterator[Visit]:
    """One Chromium for the module and database, started after the world (see conftest)."""
    extra = _extra(world)
    with launch_chromium() as browser:
        v = Visit(world, extra, browser)
        yield v
        for context in v.contexts.values():
            context.close()


def _goto(page: Page, url: str, status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None and response.status == status, (url, response and response.status)


# --- the pages: (role or None, how to reach the page) ------------------------------------------

Step = Callable[[Visit, Page], None]


def _at(path: Callable[[Visit], str], status: int = 200) -> Step:
    return lambda v, page: _goto(page, v.url(path(v)), status)


def _a(v: Visit) -> str:
    return str(v.world.positions["A"].position_id)


def _app(kind: str) -> Callable[[Visit], str]:
    return lambda v: f"/admin/applications/{v.world.positions[kind].application_id}"


def _form_with_errors(v: Visit, page: Page) -> None:
    _goto(page, v.url(f"/positions/{_a(v)}"))
    page.get_by_label("Email address").fill("not an address")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Send application").click()
    assert answer.value.status == 422
    expect(page.locator("#error-summary")).to_be_visible()


def _submitted(v: Visit, page: Page) -> None:
    _goto(page, v.url(f"/positions/{_a(v)}"))
    page.get_by_label("Full name").fill("Ann Accessible")
    page.get_by_label("Email address").fill("ann.accessible@example.com")
    page.get_by_label("Country you live in").select_option(label="United Kingdom")
    page.get_by_label(re.compile(r"^CV\b")).set_input_files(
        {"name": "cv.pdf", "mimeType": "application/pdf", "buffer": pdf()}
    )
    page.get_by_label("I have read the privacy notice above.").check()
    page.get_by_role("button", name="Send application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Application received")


def _login_error(v: Visit, page: Page) -> None:
    _goto(page, v.url("/admin/login"))
    page.get_by_label("Email address").fill(v.world.staff["recruiter"].email)
    page.get_by_label("Password").fill("not the password")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Sign in").click()
    assert 400 <= answer.value.status < 500


def _pipeline_search_error(v: Visit, page: Page) -> None:
    _goto(page, v.url(f"/admin/positions/{_a(v)}?reference=%3Cb%3E"), 422)


def _offer_answered(v: Visit, page: Page) -> None:
    _goto(page, v.url(f"/offer/{v.world.positions['A'].offer_token}"))


def _consent_given(v: Visit, page: Page) -> None:
    _goto(page, v.url(f"/consent/{v.world.positions['A'].consent_token}"))


def _showing(which: str, button: str) -> Step:
    """An application of `extra` whose page must show the form with this button."""

    def step(v: Visit, page: Page) -> None:
        _goto(page, v.url(f"/admin/applications/{getattr(v.extra, which)}"))
        expect(page.get_by_role("button", name=button)).to_be_visible()

    return step


def _consent_refused(v: Visit, page: Page) -> None:
    _goto(page, v.extra.standalone_consent_link)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Authorise").click()
    assert 400 <= answer.value.status < 500
    expect(page.locator("#typed_name-error")).to_be_visible()


CANDIDATE: dict[str, Step] = {
    "positions": _at(lambda v: "/"),
    "privacy notice": _at(lambda v: "/privacy"),
    "application form": _at(lambda v: f"/positions/{_a(v)}"),
    "application form with errors": _form_with_errors,
    "submitted": _submitted,
    "unknown position": _at(lambda v: f"/positions/{uuid.uuid4()}", 404),
    "unknown confirmation": _at(lambda v: f"/positions/{_a(v)}/submitted?reference=nope", 404),
    "offer": lambda v, page: _goto(page, v.extra.offer_link),
    "offer answered": _offer_answered,
    "consent (standalone disclosure)": lambda v, page: _goto(page, v.extra.standalone_consent_link),
    "consent given": _consent_given,
    "consent refused (unsigned)": _consent_refused,
    "bad offer link": _at(lambda v: "/offer/not-a-token", 400),
    "bad consent link": _at(lambda v: "/consent/not-a-token", 400),
}

PANEL: dict[str, tuple[str | None, Step]] = {
    "sign-in": (None, _at(lambda v: "/admin/login")),
    "sign-in refused": (None, _login_error),
    "positions (recruiter)": ("recruiter", _at(lambda v: "/admin/")),
    "positions (hiring manager)": ("hiring_manager", _at(lambda v: "/admin/")),
    "positions (privacy officer)": ("privacy_officer", _at(lambda v: "/admin/")),
    "positions (admin)": ("admin", _at(lambda v: "/admin/")),
    "pipeline (recruiter)": ("recruiter", _at(lambda v: f"/admin/positions/{_a(v)}")),
    "pipeline filtered": ("recruiter", _at(lambda v: f"/admin/positions/{_a(v)}?status=submitted")),
    "pipeline search error": ("recruiter", _pipeline_search_error),
    "pipeline (hiring manager)": ("hiring_manager", _at(lambda v: f"/admin/positions/{_a(v)}")),
    "archived position": (
        "recruiter",
        _at(lambda v: f"/admin/positions/{v.world.positions['C'].position_id}"),
    ),
    "application (recruiter)": ("recruiter", _at(_app("A"))),
    "application just submitted (recruiter)": (
        "recruiter",
        _at(lambda v: f"/admin/applications/{v.extra.submitted}"),
    ),
    "application (hiring manager)": ("hiring_manager", _at(_app("A"))),
    "application (privacy officer)": ("privacy_officer", _at(_app("A"))),
    "archived application (privacy officer)": ("privacy_officer", _at(_app("C"))),
    "application, check to consider (recruiter)": (
        "recruiter",
        _showing("consider", "Send the pre-adverse notice"),
    ),
    "application, pre-adverse notice sent (recruiter)": (
        "recruiter",
        _showing("pre_adverse", "Record the decision"),
    ),
    "application, pre-adverse notice sent (privacy officer)": (
        "privacy_officer",
        _at(lambda v: f"/admin/applications/{v.extra.pre_adverse}"),
    ),
    "unknown application": ("recruiter", _at(lambda v: f"/admin/applications/{uuid.uuid4()}", 404)),
    "users": ("admin", _at(lambda v: "/admin/manage/users")),
    "user": ("admin", _at(lambda v: f"/admin/manage/users/{v.world.victim.id}")),
    "positions and assignments": ("admin", _at(lambda v: "/admin/manage/positions")),
    "position and its staff": ("admin", _at(lambda v: f"/admin/manage/positions/{_a(v)}")),
    "development mailbox": ("privacy_officer", _at(lambda v: "/admin/dev/mailbox")),
}


@pytest.mark.parametrize("name", list(CANDIDATE))
def test_candidate_page_has_no_axe_violations(visit: Visit, name: str) -> None:
    page = visit.page(None)
    CANDIDATE[name](visit, page)
    assert_accessible(page, f"{name} ({page.url})")


@pytest.mark.parametrize("name", list(PANEL))
def test_panel_page_has_no_axe_violations(visit: Visit, name: str) -> None:
    role, step = PANEL[name]
    page = visit.page(role)
    step(visit, page)
    assert_accessible(page, f"{name} ({page.url})")


# --- the keyboard alone ------------------------------------------------------------------------


def _focused(page: Page) -> dict[str, str]:
    """The focused element: its tag, id, text and whether it shows a visible focus indicator."""
    focused = page.locator(":focus")
    if focused.count() == 0:
        return {"tag": "", "id": "", "text": "", "outline": ""}
    return focused.evaluate(
        """e => ({tag: e.tagName.toLowerCase(), id: e.id, text: (e.innerText || e.value || '').trim(),
                 visible: String(e.matches(':focus-visible')),
                 outline: getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth})"""
    )


def _tab_until(
    page: Page, wanted: Callable[[dict[str, str]], bool], what: str, limit: int = 80
) -> dict[str, str]:
    """Press Tab until the focused element is the wanted one; each stop must show its focus."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = _focused(page)
        seen.append(f"{now['tag']}#{now['id']}:{now['text'][:30]}")
        if now["tag"]:
            # WCAG 2.4.7 (focus visible): the site's own :focus-visible outline (site.css: 3px
            # solid), not none and not Chromium's default 1px `auto` ring.
            style, width = now["outline"].split()
            assert now["visible"] == "true" and style == "solid" and float(width.removesuffix("px")) >= 2, (
                now,
                what,
            )
        if wanted(now):
            return now
    raise AssertionError(f"Tab never reached {what}; focus went {seen}")


def test_panel_works_with_the_keyboard_alone(visit: Visit) -> None:
    """Sign in, open a position, open an application and move it: Tab, Shift+Tab, typing,
    Enter only (no click, no fill); every element reached shows a visible focus outline."""
    world = visit.world
    a = world.positions["A"]
    recruiter = world.staff["recruiter"]
    with world.live.client() as client:
        application_id = _apply(client, a.position_id, "Kai Keys", "kai.keys@example.com")
    context, _ = new_context(visit.browser)  # no JavaScript: nothing the keyboard needs
    page = context.new_page()
    _goto(page, visit.url("/admin/login"))

    _tab_until(page, lambda f: f["id"] == "email", "the email field")
    page.keyboard.type(recruiter.email)
    page.keyboard.press("Tab")
    page.keyboard.type("wrong first")
    page.keyboard.press("Shift+Tab")
    assert _focused(page)["id"] == "email"
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type(recruiter.password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Positions")

    _tab_until(page, lambda f: f["tag"] == "a" and f["text"] == "Matrix position A", "position A's link")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Matrix position A")

    reference = page.locator(f"a[href='/admin/applications/{application_id}']").inner_text()
    _tab_until(page, lambda f: f["tag"] == "a" and f["text"] == reference, f"the card of {reference}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Application {reference}")

    _tab_until(page, lambda f: f["id"] == "to", "the move form's status")
    page.keyboard.type("screening")
    expect(page.locator("#to")).to_have_value("screening")
    page.keyboard.press("Tab")
    assert _focused(page)["id"] == "reason"
    page.keyboard.type("Keyboard review")
    _tab_until(page, lambda f: f["tag"] == "button" and f["text"] == "Move", "the Move button", limit=3)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("dt", has_text="Status").locator("xpath=following-sibling::dd[1]")).to_have_text(
        "screening"
    )
    context.close()
