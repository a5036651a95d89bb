"""The privacy officer's console in Chromium (issue 11): the retention dashboard (its chart drawn
on the server, no script) and the record of processing, reached through the panel's navigation.
axe-core finds 0 violations on both; the browser loads nothing foreign and reports no CSP
violation (the chart's SVG is inline markup with presentation attributes only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import (
    assert_accessible,
    assign,
    create_position,
    create_staff,
    new_context,
    sql_exec,
)
from tests.browser.test_pages import apply_through_api, sign_in
from tests.conftest import Live
from tests.helpers import pdf

pytestmark = pytest.mark.browser


def test_dashboard_and_ropa_are_accessible(live: Live, browser: Browser) -> None:
    position = create_position(live, "Old Opening")
    recruiter = create_staff(live, "recruiter")
    assign(live, position, recruiter)
    sql_exec(live.database_url, "UPDATE positions SET created_at = $1 WHERE id = $2", datetime.now(UTC) - timedelta(days=500), position.id)
    app_id = apply_through_api(live, position, name="Axe Candidate", email="axe@example.com", cv=pdf(), filename="cv.pdf")
    sql_exec(
        live.database_url, "UPDATE applications SET retention_until = $1 WHERE id = $2", datetime.now(UTC) + timedelta(days=70), app_id
    )
    officer = create_staff(live, "privacy_officer")
    context, watch = new_context(browser, javascript=True)  # axe-core runs in the page; the CSP blocks page scripts
    page = context.new_page()
    sign_in(page, live, officer)
    page.get_by_role("link", name="Retention dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retention dashboard")
    expect(page.get_by_role("img", name="Erasures in the next 24 months")).to_be_visible()
    expect(page.get_by_role("table", name="Erasures per month (the chart's data)")).to_be_visible()
    expect(page.get_by_text("Old Opening (GB)")).to_be_visible()
    assert_accessible(page, "the retention dashboard")
    page.get_by_role("link", name="Record of processing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record of processing activities")
    expect(page.locator("#processing-locations")).to_have_text("United Kingdom, United States, Canada, India")
    assert_accessible(page, "the record of processing")
    watch.assert_clean(live.url)
    context.close()
