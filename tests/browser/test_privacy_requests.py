"""A data-subject request in Chromium (DESIGN §11), no JavaScript on the pages: the candidate
finds the request form from the privacy notice and goes through it with the keyboard alone (Tab
to each field, arrows and Space on the radios, Enter to send), types the code a real SMTP server
received, sees the due date; the privacy officer finds the case through the panel's navigation,
in the queue by due date, is refused a decision without a choice (the error beside the form,
what was typed kept), then fulfils it; the outcome reaches the candidate by mail, whose link opens the export's page,
whose button (Tab, Enter) downloads the ZIP once; the link then says it is used. axe-core
finds 0 violations on every page either of them visits."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from ats.bootstrap import build
from storage.emulator import free_port
from storage.smtp_server import SmtpServer
from tests.browser.conftest import (
    assert_accessible,
    create_position,
    create_staff,
    launch_chromium,
    new_context,
)
from tests.browser.test_pages import apply_through_api, focused_id, sign_in, tab_to
from tests.conftest import Live, LiveServer, S3Env, make_settings
from tests.helpers import pdf, sql_rows

pytestmark = pytest.mark.browser

EMAIL = "rosalind.requests@example.com"
CODE_LINE = re.compile(r"^\s*(\d{6})\s*$", re.MULTILINE)


@pytest.fixture
def mailing(database_url: str, s3env: S3Env) -> Iterator[tuple[Live, SmtpServer]]:
    from ats.web.app import create_app
    from storage.migrate import migrate

    with SmtpServer() as smtp:
        port = free_port()
        settings = make_settings(database_url, s3env, ats_public_url=f"http://127.0.0.1:{port}", ats_smtp_url=smtp.url)
        container = build(settings)
        if database_url.startswith("sqlite"):
            asyncio.run(migrate())
        with LiveServer(create_app(container), port=port) as server:
            yield Live(server.url, container, s3env, database_url), smtp


@pytest.fixture
def chromium(mailing: tuple[Live, SmtpServer]) -> Iterator[Browser]:
    """Started after the server, stopped before it (tests/browser/conftest.py says why)."""
    with launch_chromium() as browser:
        yield browser


def mails(smtp: SmtpServer, known: int) -> list[str]:
    """The bodies mailed to the candidate, once there are more than `known`: mail is sent after
    the commit, so it may land just after the page answered (a bound of 20 s, not a timing)."""
    deadline = time.monotonic() + 20
    while True:
        bodies = [m.body for m in reversed(smtp.inbox.messages()) if EMAIL in m.recipients]
        if len(bodies) > known:
            return bodies
        assert time.monotonic() < deadline, "nothing more was mailed to the candidate"
        time.sleep(0.05)


def test_a_request_from_the_candidates_form_to_the_officers_decision(
    mailing: tuple[Live, SmtpServer], chromium: Browser
) -> None:
    live, smtp = mailing
    position = create_position(live, "Analyst (Requests)", "GB")
    apply_through_api(live, position, name="Rosalind Requests", email=EMAIL, cv=pdf("cv"), filename="cv.pdf")
    officer = create_staff(live, "privacy_officer")
    visited: list[str] = []

    def check(page: Page, what: str) -> None:
        visited.append(what)
        assert_accessible(page, f"{what} ({page.url})")

    # --- the candidate, keyboard alone ---------------------------------------------------------
    context, seen = new_context(chromium, javascript=True)  # for axe; the CSP runs no page script
    page = context.new_page()
    page.goto(f"{live.url}/privacy")
    check(page, "privacy notice")
    page.get_by_role("link", name="Make a request online").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask about your data")
    check(page, "request form")

    page.locator("body").focus()
    order = tab_to(page, "email", limit=40)
    assert order[-1] == "email"
    page.keyboard.type("not an address")
    page.keyboard.press("Tab")
    assert focused_id(page) == "kind-access"  # the first radio of the group
    page.keyboard.press("ArrowDown")  # arrows move within a radio group and choose
    assert focused_id(page) == "kind-portability"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Space")
    assert page.locator("#kind-access").is_checked()
    tab_to(page, "details", limit=10)
    page.keyboard.type("Everything you hold, please.")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the submit button
    expect(page.locator("#email-error")).to_be_visible()
    assert page.locator("#email").get_attribute("aria-invalid") == "true"
    assert page.locator("#details").input_value() == "Everything you hold, please."
    assert page.locator("#kind-access").is_checked()
    check(page, "request form with an error")

    page.locator("#email").fill(EMAIL)
    page.locator("#email").focus()
    page.keyboard.press("Tab")
    tab_to(page, "details", limit=10)
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    check(page, "check your email")
    [body] = mails(smtp, 0)
    code = CODE_LINE.findall(body)[0]

    page.locator("body").focus()
    tab_to(page, "code")
    page.keyboard.type("000000" if code != "000000" else "111111")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter in a field sends its form
    expect(page.locator("#code-error")).to_be_visible()
    check(page, "wrong code")
    page.locator("#code").fill("")
    page.locator("#code").focus()
    page.keyboard.type(code)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Request received")
    due = page.locator("time").get_attribute("datetime")
    assert due and re.fullmatch(r"\d{4}-\d{2}-\d{2}", due)
    check(page, "request received")
    seen.assert_clean(live.url, allow_status=(422,))
    context.close()

    # --- the privacy officer ---------------------------------------------------------------------
    context, seen = new_context(chromium, javascript=True)
    page = context.new_page()
    sign_in(page, live, officer)
    check(page, "officer home")
    page.get_by_role("navigation", name="Privacy").get_by_role("link", name="Data-subject requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data-subject requests")
    expect(page.get_by_role("cell", name=due)).to_be_visible()
    check(page, "queue")
    page.get_by_role("link", name="access").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request: access")
    check(page, "case")

    page.get_by_label("Reason (recorded; a refusal's reason is told to the person)").fill("Export sent")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#decision-error")).to_be_visible()
    expect(page.get_by_label("Reason (recorded; a refusal's reason is told to the person)")).to_have_value("Export sent")
    check(page, "case, refused decision")

    page.get_by_label("Fulfil the request").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("dt", has_text=re.compile(r"^Status$")).locator("xpath=following-sibling::dd[1]")).to_have_text(
        "fulfilled"
    )
    check(page, "case, fulfilled")
    seen.assert_clean(live.url, allow_status=(422,))
    context.close()

    _, opened, outcome = mails(smtp, 2)  # the code, "we will answer by", the outcome
    assert due in opened
    link = re.search(r"^(http://127\.0\.0\.1:\d+/privacy/exports/\S+)$", outcome, re.MULTILINE)
    assert link, outcome  # the export's single-use link

    # --- the candidate downloads the copy, keyboard alone ------------------------------------------
    context, seen = new_context(chromium, javascript=True)
    page = context.new_page()
    page.goto(link.group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your copy of your data")
    check(page, "export download page")
    page.locator("body").focus()
    tab_to(page, "button", limit=20)
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".zip")
    page.goto(link.group(1))  # used: the link now says so
    expect(page.get_by_role("heading", level=1)).to_have_text("This link cannot be used")
    check(page, "export link used")
    seen.assert_clean(live.url, allow_status=(404, 410))
    context.close()
    assert [r[0] for r in sql_rows(live.database_url, "SELECT status FROM privacy_requests")] == ["fulfilled"]
    assert len(visited) == 13


def test_the_case_page_of_every_kind_and_the_refused_extension_are_accessible(
    mailing: tuple[Live, SmtpServer], chromium: Browser
) -> None:
    """The decision form differs by kind (contact fields and a file, a compelling ground, which
    consent): axe-core on each, and on the extension form refused beside itself."""
    live, smtp = mailing
    position = create_position(live, "Analyst (Kinds)", "GB")
    apply_through_api(live, position, name="Rosalind Requests", email=EMAIL, cv=pdf("cv"), filename="cv.pdf")
    officer = create_staff(live, "privacy_officer")
    kinds = ("rectification", "objection", "withdraw_consent", "erasure")  # 5 an hour per address
    ids = {}
    with live.client() as client:
        for n, kind in enumerate(kinds):
            made = client.post("/api/v1/privacy-requests", json={"email": EMAIL, "kind": kind})
            assert made.status_code == 202, made.text
            ids[kind] = made.json()["id"]
            code = CODE_LINE.findall(mails(smtp, 2 * n)[2 * n])[0]  # then "we will answer by"
            verified = client.post(f"/api/v1/privacy-requests/{ids[kind]}/verification", json={"code": code})
            assert verified.status_code == 200, verified.text

    context, seen = new_context(chromium, javascript=True)
    page = context.new_page()
    sign_in(page, live, officer)
    for kind, request_id in ids.items():
        page.goto(f"{live.url}/admin/requests/{request_id}")
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Request: {kind.replace('_', ' ')}")
        assert_accessible(page, f"case page, {kind}")
    page.get_by_label("Further months").select_option("2")
    page.get_by_role("button", name="Extend and tell the person").click()  # with no reason
    expect(page.locator("#extension-error")).to_be_visible()
    expect(page.get_by_label("Further months")).to_have_value("2")
    assert_accessible(page, "case page, refused extension")
    seen.assert_clean(live.url, allow_status=(422,))
    context.close()
