"""The whole hiring workflow in the panel (issue 8, "Tests that must exist"): in Chromium, a recruiter
takes an application from `submitted` to `hired` with the panel's forms alone (no API call, no SQL
write), and the candidate answers through the links the app mailed, read from what a real SMTP
server received (DESIGN §10). axe-core finds 0 violations on every page either of them visits.

The position is in the US (FCRA: the standalone disclosure on the consent page). Each database has
its own server, SMTP server and browser.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from ats.bootstrap import build
from storage.emulator import free_port
from storage.smtp_server import SmtpServer
from tests.browser.conftest import assert_accessible, launch_chromium, new_context
from tests.conftest import Live, LiveServer, S3Env, make_settings
from tests.e2e.support import add_position, add_staff, assign
from tests.helpers import pdf, sql_rows

pytestmark = pytest.mark.browser

CANDIDATE = ("Grace Workflow", "grace.workflow@example.com")


@pytest.fixture
def mailing(database_url: str, s3env: S3Env) -> Iterator[tuple[Live, SmtpServer]]:
    """The app as the embedded mode runs it: its mail goes to a real SMTP server in the process
    (aiosmtpd), whose inbox the test reads."""
    from ats.web.app import create_app
    from storage.migrate import migrate

    with SmtpServer() as smtp:
        port = free_port()
        container = build(
            make_settings(
                database_url, s3env, ats_public_url=f"http://127.0.0.1:{port}", ats_smtp_url=smtp.url
            )
        )
        container.deps.mail.inbox = smtp.inbox
        if database_url.startswith("sqlite"):
            asyncio.run(migrate())
        with LiveServer(create_app(container), port=port) as server:
            yield Live(server.url, container, s3env, database_url), smtp


@pytest.fixture
def chromium(mailing: tuple[Live, SmtpServer]) -> Iterator[Browser]:
    """Started after the server, stopped before it (tests/browser/conftest.py says why)."""
    with launch_chromium() as browser:
        yield browser


def mailed_link(smtp: SmtpServer, to: str, kind: str, known: int) -> str:
    """The link of the `known`+1-th message to `to` carrying a /kind/ link. Mail is delivered
    after the transaction commits, so it may arrive just after the page answered: wait for it,
    for at most 20 s (a bound, not a timed assertion)."""
    pattern = re.compile(rf"^(http://127\.0\.0\.1:\d+/{kind}/\S+)$", re.MULTILINE)
    deadline = time.monotonic() + 20
    while True:
        links = [
            found.group(1)
            for message in reversed(smtp.inbox.messages())  # oldest first
            if to in message.recipients and (found := pattern.search(message.body))
        ]
        if len(links) > known:
            return links[known]
        assert time.monotonic() < deadline, f"no {kind} link was mailed to the candidate"
        time.sleep(0.05)


class Journey:
    """Both people's pages; axe-core runs on every page either of them lands on."""

    def __init__(self, live: Live, recruiter: Page, candidate: Page) -> None:
        self.live, self.recruiter, self.candidate = live, recruiter, candidate
        self.visited: list[str] = []

    def check(self, page: Page, what: str) -> None:
        self.visited.append(what)
        assert_accessible(page, f"{what} ({page.url})")

    def status(self) -> str:
        dd = self.recruiter.locator("dt", has_text=re.compile(r"^Status$")).locator(
            "xpath=following-sibling::dd[1]"
        )
        return dd.inner_text()

    def move(self, to: str) -> None:
        page = self.recruiter
        page.get_by_label("New status").select_option(to)
        page.get_by_label("Reason (optional)").fill(f"Moved to {to} in the browser test")
        page.get_by_role("button", name="Move", exact=True).click()
        expect(
            page.locator("dt", has_text=re.compile(r"^Status$")).locator("xpath=following-sibling::dd[1]")
        ).to_have_text(to)
        self.check(page, f"application, {to}")


def test_recruiter_takes_an_application_to_hired_in_the_panel(
    mailing: tuple[Live, SmtpServer], chromium: Browser, tmp_path: Path
) -> None:
    live, smtp = mailing
    position_id = add_position(live, title="Payments Engineer (New York)", jurisdiction="US")
    recruiter = add_staff(live, email="rita.recruiter@example.com", role="recruiter")
    assign(live, position_id, recruiter)
    name, email = CANDIDATE

    candidate_context, candidate_seen = new_context(chromium, javascript=True)
    recruiter_context, recruiter_seen = new_context(chromium, javascript=True)
    journey = Journey(live, recruiter_context.new_page(), candidate_context.new_page())
    you, rita = journey.candidate, journey.recruiter

    # The candidate applies on the public site.
    you.goto(f"{live.url}/")
    journey.check(you, "open positions")
    you.get_by_role("link", name="Payments Engineer (New York)").click()
    journey.check(you, "application form")
    you.get_by_label("Full name").fill(name)
    you.get_by_label("Email address").fill(email)
    you.get_by_label("Country you live in").select_option("US")
    you.get_by_label(re.compile(r"^CV\b")).set_input_files(
        {"name": "cv.pdf", "mimeType": "application/pdf", "buffer": pdf("CV of Grace")}
    )
    you.get_by_label("I have read the privacy notice above.").check()
    you.get_by_role("button", name="Send application").click()
    expect(you.get_by_role("heading", level=1)).to_have_text("Application received")
    journey.check(you, "application received")
    reference = you.locator(".reference").inner_text()

    # The recruiter finds it: sign-in, positions, the pipeline, the application.
    rita.goto(f"{live.url}/admin/")
    journey.check(rita, "sign-in")
    rita.get_by_label("Email address").fill(recruiter.email)
    rita.get_by_label("Password").fill(recruiter.password)
    rita.get_by_role("button", name="Sign in").click()
    expect(rita.get_by_role("heading", level=1)).to_have_text("Positions")
    journey.check(rita, "positions")
    rita.get_by_role("link", name="Payments Engineer (New York)").click()
    journey.check(rita, "pipeline")
    rita.get_by_role("link", name=reference).click()
    expect(rita.get_by_role("heading", level=1)).to_have_text(f"Application {reference}")
    journey.check(rita, "application, submitted")
    assert journey.status() == "submitted"

    for to in ("screening", "interview", "reference_check"):
        journey.move(to)

    # Referees: add one, record the report.
    referee = rita.get_by_role("group", name="Referee 1")
    referee.get_by_label("Full name").fill("Charles Babbage")
    referee.get_by_label("Email address").fill("charles@@example")
    referee.get_by_label("How they know the candidate").fill("former manager")
    rita.get_by_role("button", name="Add the referees").click()
    expect(rita.locator("#referee-0-email-error")).to_be_visible()  # refused: beside the field
    journey.check(rita, "application, referee refused")
    referee.get_by_label("Email address").fill("charles@example.com")
    rita.get_by_role("button", name="Add the referees").click()
    expect(rita.get_by_role("cell", name="Charles Babbage")).to_be_visible()
    journey.check(rita, "application, referee added")
    report = rita.get_by_role("group", name="Report from Charles Babbage")
    report.get_by_role("textbox").first.fill("Three years, on the payments team")
    report.get_by_role("button", name="Record the report").click()
    expect(rita.get_by_role("cell", name="recorded")).to_be_visible()
    journey.check(rita, "application, report recorded")

    # The offer: extended in the panel, mailed, accepted by the candidate through the link.
    rita.get_by_role("button", name="Extend the offer and mail the link").click()
    expect(rita.get_by_text("The offer is extended.")).to_be_visible()
    assert journey.status() == "offer_extended"
    journey.check(rita, "application, offer extended")
    you.goto(mailed_link(smtp, email, "offer", 0))
    journey.check(you, "offer (by the mailed link)")
    you.get_by_role("button", name="Accept the offer").click()
    journey.check(you, "offer accepted")
    rita.reload()
    assert journey.status() == "offer_accepted"
    journey.check(rita, "application, offer accepted")

    # Background check: consent requested in the panel, given through the mailed link.
    consent_form = rita.locator("#bg-consent")
    consent_form.get_by_role("button", name="Request consent and mail the link").click()
    expect(rita.locator("#bg-consent-error")).to_be_visible()  # no check type chosen
    journey.check(rita, "application, consent request refused")
    consent_form.get_by_label("criminal").check()
    consent_form.get_by_role("button", name="Request consent and mail the link").click()
    expect(rita.get_by_role("table", name="Consent requests")).to_contain_text("requested")
    journey.check(rita, "application, consent requested")
    you.goto(mailed_link(smtp, email, "consent", 0))
    journey.check(you, "consent (standalone disclosure, by the mailed link)")
    you.get_by_role("button", name="Authorise").click()  # unsigned: refused, errors beside the fields
    expect(you.locator("#typed_name-error")).to_be_visible()
    journey.check(you, "consent refused")
    you.get_by_label("Type your full name to sign").fill(name)
    you.get_by_label("I authorise these background checks.").check()
    you.get_by_role("button", name="Authorise").click()
    journey.check(you, "consent given")
    rita.reload()
    expect(rita.get_by_role("table", name="Consent requests")).to_contain_text("given")
    journey.check(rita, "application, consent given")

    # The check: started, its `clear` result uploaded, then the decision to hire.
    start = rita.locator("form[id^='bg-start-']")
    start.get_by_label("Check type").select_option("criminal")
    start.get_by_role("button", name="Start the check").click()
    expect(rita.get_by_role("table", name="Checks")).to_contain_text("in-progress")
    assert journey.status() == "background_check"
    journey.check(rita, "application, check started")
    result = rita.locator("form[id^='bg-result-']")
    result.get_by_role("button", name="Record the result").click()  # no result chosen
    expect(rita.locator("p.field-error[id^='bg-result-']")).to_be_visible()
    journey.check(rita, "application, result refused")
    result.get_by_label("Clear").check()
    result.get_by_label(re.compile(r"^The report")).set_input_files(
        {"name": "report.pdf", "mimeType": "application/pdf", "buffer": pdf("Criminal record check: clear")}
    )
    result.get_by_role("button", name="Record the result").click()
    expect(rita.get_by_role("table", name="Checks")).to_contain_text("clear")
    journey.check(rita, "application, result recorded")
    journey.move("hired")

    # What the panel did is what the database holds.
    application_id = uuid.UUID(rita.url.rsplit("/", 1)[1].split("#")[0].split("?")[0])
    assert sql_rows(live.database_url, "SELECT status FROM applications WHERE id = $1", application_id) == [
        ("hired",)
    ]
    assert sql_rows(
        live.database_url,
        "SELECT b.status FROM background_checks b WHERE b.application_id = $1",
        application_id,
    ) == [("clear",)]
    assert sorted(
        r[0]
        for r in sql_rows(
            live.database_url, "SELECT record_type FROM records WHERE application_id = $1", application_id
        )
    ) == sorted(["cv", "reference-report", "background-check-consent", "background-check-report"])
    assert len(journey.visited) >= 20, journey.visited
    candidate_context.close()
    recruiter_context.close()
    # No foreign request, console error or CSP violation; the refused forms answered 4xx.
    candidate_seen.assert_clean(live.url, allow_status={400, 409, 422})
    recruiter_seen.assert_clean(live.url, allow_status={400, 409, 422})
