"""Referees, a report, the offer and the candidate's answer in the panel with the keyboard alone
(Chromium, no JavaScript): Tab reaches every field and button of these forms, Space picks a
radio, Enter sends; a refused answer shows its error beside the note, linked to it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import create_position, create_staff, new_context, sql_exec
from tests.browser.test_pages import apply_through_api, focused_id, sign_in, tab_to
from tests.helpers import pdf, sql_rows

if TYPE_CHECKING:
    from tests.conftest import Live

pytestmark = pytest.mark.browser


def _type_into(page: Page, target: str, text: str) -> None:
    tab_to(page, target, limit=60)
    page.keyboard.type(text)


def _send(page: Page, button: str) -> None:
    tab_to(page, button, limit=60)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_recruiter_does_referees_and_the_offer_with_the_keyboard(browser: Browser, live: Live) -> None:
    position = create_position(live, "Backend Engineer (Keyboard)", "GB")
    recruiter = create_staff(live, "recruiter")
    sql_exec(
        live.database_url,
        "INSERT INTO position_assignments (id, position_id, user_id, assigned_at) VALUES ($1, $2, $3, $4)",
        uuid4(),
        position.id,
        recruiter.id,
        datetime.now(UTC),
    )
    application_id = apply_through_api(
        live, position, name="Kim Keyboard", email="kim@example.com", cv=pdf("cv"), filename="cv.pdf"
    )
    sql_exec(live.database_url, "UPDATE applications SET status = 'reference_check' WHERE id = $1", UUID(application_id))

    context, seen = new_context(browser)
    page = context.new_page()
    sign_in(page, live, recruiter)
    page.goto(f"{live.url}/admin/applications/{application_id}")
    expect(page.get_by_role("group", name="Referee 1")).to_be_visible()

    _type_into(page, "referee-0-full_name", "Charles Babbage")
    page.keyboard.press("Tab")
    assert focused_id(page) == "referee-0-email"
    page.keyboard.type("cb@example.com")
    page.keyboard.press("Tab")
    assert focused_id(page) == "referee-0-relationship"
    page.keyboard.type("former manager")
    _send(page, "add-referees-submit")
    expect(page.get_by_role("cell", name="Charles Babbage")).to_be_visible()

    ((referee_id,),) = sql_rows(live.database_url, "SELECT id FROM referees")
    report = f"report-{referee_id}"
    expect(page.get_by_role("group", name="Report from Charles Babbage")).to_be_visible()
    page.locator("body").focus()
    _type_into(page, f"{report}-q1", "Three years")
    page.keyboard.press("Tab")
    page.keyboard.type("Analysis")
    _send(page, f"{report}-submit")
    expect(page.get_by_role("cell", name="recorded")).to_be_visible()

    page.locator("body").focus()
    _send(page, "offer-extend-submit")
    expect(page.get_by_text("The offer is extended.")).to_be_visible()

    page.locator("body").focus()
    tab_to(page, "offer-answer-accepted", limit=60)
    page.keyboard.press("Space")
    _send(page, "offer-answer-submit")  # no note
    note = page.get_by_label(re.compile(r"^Note \(required\)"))
    expect(note).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#offer-answer-note-error")).to_be_visible()
    assert "offer-answer-note-error" in (note.get_attribute("aria-describedby") or "")
    expect(page.get_by_role("radio", name="Accepted")).to_be_checked()  # kept

    page.locator("body").focus()
    _type_into(page, "offer-answer-note", "Accepted by phone")
    _send(page, "offer-answer-submit")
    expect(page.get_by_text("The candidate accepted the offer.")).to_be_visible()
    ((status,),) = sql_rows(live.database_url, "SELECT status FROM applications")
    assert status == "offer_accepted"
    context.close()
    seen.assert_clean(live.url, allow_status={422})
