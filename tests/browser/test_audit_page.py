"""The audit trail page in Chromium (issue 11 item 3): reached through the privacy officer's
navigation, filtered by an application, and with a bad filter shown beside its field; axe-core
finds 0 violations on each, nothing foreign is loaded and no CSP violation is reported."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import assert_accessible, create_position, create_staff, new_context
from tests.browser.test_pages import apply_through_api, sign_in
from tests.conftest import Live
from tests.helpers import pdf

pytestmark = pytest.mark.browser


def test_audit_page_is_accessible(live: Live, browser: Browser) -> None:
    position = create_position(live, "Audited Opening")
    app_id = apply_through_api(live, position, name="Axe Audit", email="axe.audit@example.com", cv=pdf(), filename="cv.pdf")
    officer = create_staff(live, "privacy_officer")
    context, watch = new_context(browser, javascript=True)
    page = context.new_page()
    sign_in(page, live, officer)
    page.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    expect(page.get_by_role("table", name="Events, oldest first")).to_be_visible()
    assert_accessible(page, "the audit trail")
    page.get_by_label("Application id").fill(str(app_id))
    page.get_by_role("button", name="Show events").click()
    expect(page.locator("#audit-events tbody tr").first).to_contain_text(str(app_id))
    assert_accessible(page, "the audit trail, filtered")
    page.get_by_label("From (UTC)").fill("last tuesday")
    page.get_by_role("button", name="Show events").click()
    expect(page.locator("#since-error")).to_contain_text("since must be an ISO date")
    assert_accessible(page, "the audit trail with a bad filter")
    watch.assert_clean(live.url, allow_status=(422,))  # the bad filter's page answers 422
    context.close()
