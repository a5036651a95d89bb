"""The candidate form and the recruiter panel in a real browser, without JavaScript.

Each test runs on SQLite and on PostgreSQL (via the `live` fixture), against the whole app
under uvicorn with real S3/KMS (the emulator). Every context records its requests and console
messages: no page may reach another origin, log an error or violate the CSP.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, expect

from ats.web.security import CSP
from tests.browser.conftest import (
    Position,
    Staff,
    create_position,
    create_staff,
    launch_chromium,
    new_context,
    screenshot_path,
)
from tests.helpers import pdf, sql_rows

if TYPE_CHECKING:
    from tests.conftest import Live

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"^APP-[0-9A-Z]{10}$")
HOSTILE_NAME = "<img src=x onerror=alert(1)>Zoë"
# Tries to close the value attribute and add an element.
ATTRIBUTE_BREAKER = 'Ann "><b id="injected">bold</b> O\'Brien'
FORM_FIELDS = [
    "full_name",
    "email",
    "phone",
    "country",
    "cv",
    "cover_letter",
    "privacy_notice_acknowledged",
    "talent_pool_consent",
]


def cv_upload(data: bytes, name: str = "cv.pdf") -> dict[str, object]:
    return {"name": name, "mimeType": "application/pdf", "buffer": data}


def open_form(page: Page, live: Live, position: Position) -> None:
    page.goto(f"{live.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open positions")
    page.get_by_role("link", name=position.title).click()
    expect(page).to_have_url(f"{live.url}/positions/{position.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Apply for {position.title}")


def cv_input(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_label(re.compile(r"^CV\b"))


def acknowledgement(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_label("I have read the privacy notice above.")


def talent_pool(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_label(re.compile(r"^I consent to being kept in the talent pool"))


def submit_and_get_reference(page: Page, live: Live, position: Position) -> str:
    page.get_by_role("button", name="Send application").click()
    expect(page).to_have_url(re.compile(re.escape(f"{live.url}/positions/{position.id}/submitted?reference=")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Application received")
    reference = page.locator(".reference").inner_text()
    assert REFERENCE.fullmatch(reference), reference
    assert page.url.endswith(f"reference={reference}")
    return reference


def sign_in(page: Page, live: Live, staff: Staff) -> None:
    page.goto(f"{live.url}/admin/")
    expect(page).to_have_url(f"{live.url}/admin/login")
    page.get_by_label("Email address").fill(staff.email)
    page.get_by_label("Password").fill(staff.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Positions")


def parse_tags(text: str) -> dict[str, str]:
    pairs = [line.strip().split("=", 1) for line in text.splitlines() if line.strip()]
    return {k: v for k, v in pairs}


def test_candidate_applies_and_recruiter_reviews_without_javascript(browser: Browser, live: Live) -> None:
    position = create_position(live, "Backend Engineer (Platform)", "GB")
    recruiter = create_staff(live, "recruiter")
    cv_bytes = pdf("Curriculum vitae of Zoë, browser test")
    email = "zoe.browser@example.com"

    # --- the candidate ----------------------------------------------------------------------
    candidate, seen_by_candidate = new_context(browser)
    page = candidate.new_page()
    open_form(page, live, position)
    page.screenshot(path=screenshot_path("apply-form", live), full_page=True)

    page.get_by_label("Full name").fill(HOSTILE_NAME)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Phone number (optional)").fill("+44 20 7946 0000")
    page.get_by_label("Country you live in").select_option(label="United Kingdom")
    cv_input(page).set_input_files(cv_upload(cv_bytes))
    expect(acknowledgement(page)).not_to_be_checked()
    expect(talent_pool(page)).not_to_be_checked()  # optional consent is never pre-ticked
    acknowledgement(page).check()
    reference = submit_and_get_reference(page, live, position)

    page.get_by_role("link", name="Privacy notice").click()
    expect(page.get_by_role("heading", name="Privacy notice for applicants")).to_be_visible()
    candidate.close()
    seen_by_candidate.assert_clean(live.url)

    (application_id,) = sql_rows(live.database_url, "SELECT id FROM applications WHERE reference = $1", reference)[0]
    ((object_key,),) = sql_rows(live.database_url, "SELECT object_key FROM records WHERE application_id = $1",
                                application_id)

    # --- the recruiter ----------------------------------------------------------------------
    staff, seen_by_staff = new_context(browser)
    admin = staff.new_page()
    sign_in(admin, live, recruiter)
    admin.get_by_role("link", name=position.title).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(position.title)
    row = admin.get_by_role("row").filter(has_text=reference)
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").nth(1)).to_have_text(HOSTILE_NAME)  # escaped: shown as text
    expect(admin.locator("img")).to_have_count(0)
    assert "<img" not in admin.locator("main").inner_html().replace("&lt;img", "")

    row.get_by_role("link", name=reference).click()
    expect(admin).to_have_url(f"{live.url}/admin/applications/{application_id}")
    expect(admin.get_by_role("heading", level=1)).to_have_text(f"Application {reference}")
    expect(admin.locator(".candidate-name")).to_have_text(HOSTILE_NAME)
    expect(admin.locator("img")).to_have_count(0)
    expect(admin.locator("dd").filter(has_text=email)).to_have_count(1)
    expect(admin.locator("dt", has_text="Talent pool consent").locator("xpath=following-sibling::dd[1]")).to_have_text(
        "not given"
    )

    records = admin.locator("table.records tbody tr")
    expect(records).to_have_count(1)
    cells = records.first.locator("td")
    expect(cells.nth(0)).to_contain_text("cv")
    expect(cells.nth(0)).to_contain_text("cv.pdf")
    expect(cells.nth(1)).to_have_text("legitimate-interests")
    expect(cells.nth(2)).to_have_text("employment.recruitment")
    shown_tags = parse_tags(cells.nth(3).inner_text())
    assert shown_tags["legal-basis"] == "legitimate-interests"
    assert shown_tags["purpose"] == "employment.recruitment"
    assert shown_tags["record-type"] == "cv"
    assert shown_tags["jurisdiction"] == "GB"
    assert shown_tags["application"] == str(application_id)
    # What the page shows is what the bucket really holds.
    s3_tags = live.s3env.s3.get_object_tagging(Bucket=live.s3env.bucket, Key=object_key)["TagSet"]
    assert shown_tags == {t["Key"]: t["Value"] for t in s3_tags}
    admin.screenshot(path=screenshot_path("admin-application", live), full_page=True)

    with admin.expect_download() as download_info:
        cells.nth(4).get_by_role("link", name="Download").click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == "cv.pdf"
    assert Path(download.path()).read_bytes() == cv_bytes

    admin.get_by_role("button", name="Sign out").click()
    expect(admin).to_have_url(f"{live.url}/admin/login")
    admin.goto(f"{live.url}/admin/applications/{application_id}")
    expect(admin).to_have_url(f"{live.url}/admin/login")
    staff.close()
    seen_by_staff.assert_clean(live.url)


def test_form_errors_are_shown_next_to_fields_and_keep_what_was_typed(browser: Browser, live: Live) -> None:
    position = create_position(live, "Data Analyst", "FR")
    context, seen = new_context(browser)
    page = context.new_page()
    open_form(page, live, position)

    page.get_by_label("Full name").fill(ATTRIBUTE_BREAKER)
    page.get_by_label("Email address").fill("ann@@example")
    page.get_by_label("Country you live in").select_option(label="France")
    cv_input(page).set_input_files(cv_upload(pdf()))
    with page.expect_response(lambda r: r.url.endswith("/apply")) as response_info:
        page.get_by_role("button", name="Send application").click()
    assert response_info.value.status == 422
    page.screenshot(path=screenshot_path("apply-form-errors", live), full_page=True)

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    links = summary.get_by_role("link")
    expect(links).to_have_count(2)
    assert sorted(links.nth(i).get_attribute("href") or "" for i in range(2)) == [
        "#email",
        "#privacy_notice_acknowledged",
    ]

    for field, message in [
        ("email", "Enter a valid email address"),
        ("privacy_notice_acknowledged", "Confirm that you have read the privacy notice"),
    ]:
        box = page.locator(f".field:has(#{field})")
        error = box.locator(f"#{field}-error")  # inside the same field block as its input
        expect(error).to_contain_text(message)
        expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{field}")).to_have_attribute("aria-describedby", f"{field}-error")
        expect(summary.get_by_role("link", name=re.compile(re.escape(message)))).to_have_count(1)
    for field in ("full_name", "phone", "country", "cv"):
        expect(page.locator(f".field:has(#{field}) .field-error")).to_have_count(0)

    # What was typed is kept, as literal text.
    expect(page.get_by_label("Full name")).to_have_value(ATTRIBUTE_BREAKER)
    expect(page.get_by_label("Email address")).to_have_value("ann@@example")
    expect(page.get_by_label("Country you live in")).to_have_value("FR")
    expect(page.locator("#injected")).to_have_count(0)
    expect(page.locator("b")).to_have_count(0)
    expect(acknowledgement(page)).not_to_be_checked()
    expect(talent_pool(page)).not_to_be_checked()
    assert sql_rows(live.database_url, "SELECT COUNT(*) FROM applications")[0][0] == 0

    # Fixing the two fields (and choosing the CV again) sends the application.
    page.get_by_label("Email address").fill("ann.obrien@example.com")
    acknowledgement(page).check()
    cv_input(page).set_input_files(cv_upload(pdf()))
    submit_and_get_reference(page, live, position)
    ((name,),) = sql_rows(live.database_url, "SELECT full_name FROM persons")
    assert name == ATTRIBUTE_BREAKER
    context.close()
    seen.assert_clean(live.url)


def focused_id(page: Page) -> str:
    focused = page.locator(":focus")
    if focused.count() == 0:
        return ""
    return focused.get_attribute("id") or focused.evaluate("e => e.tagName.toLowerCase()")


def tab_to(page: Page, target: str, limit: int = 30) -> list[str]:
    order: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        order.append(focused_id(page))
        if order[-1] == target:
            return order
    raise AssertionError(f"Tab never reached {target!r}; focus went {order}")


def test_form_works_by_keyboard(browser: Browser, live: Live) -> None:
    position = create_position(live, "Site Reliability Engineer", "CA")
    context, seen = new_context(browser)
    page = context.new_page()
    open_form(page, live, position)

    # Tab order reaches every field, in reading order, then the submit button.
    page.locator("body").focus()
    order = tab_to(page, "button")
    assert [i for i in order if i in FORM_FIELDS] == FORM_FIELDS, order
    assert page.locator(":focus").inner_text() == "Send application"

    # Fill and send it with the keyboard alone (the file is chosen in the dialog Space opens).
    page.reload()
    tab_to(page, "full_name")
    page.keyboard.type("Kim Keyboard")
    page.keyboard.press("Tab")
    page.keyboard.type("kim.keyboard@example.com")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert focused_id(page) == "country"
    page.keyboard.type("Canada")
    expect(page.get_by_label("Country you live in")).to_have_value("CA")
    page.keyboard.press("Tab")
    assert focused_id(page) == "cv"
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(cv_upload(pdf()))  # type: ignore[arg-type]
    tab_to(page, "privacy_notice_acknowledged")
    page.keyboard.press("Space")
    expect(acknowledgement(page)).to_be_checked()
    tab_to(page, "button")
    page.keyboard.press("Enter")
    submit_url = re.compile(re.escape(f"{live.url}/positions/{position.id}/submitted?reference=APP-"))
    expect(page).to_have_url(submit_url)
    assert REFERENCE.fullmatch(page.locator(".reference").inner_text())
    context.close()
    seen.assert_clean(live.url)


def test_the_watcher_sees_csp_violations_and_foreign_requests() -> None:
    """The checks above would pass vacuously if the watcher missed what it looks for."""
    with launch_chromium() as chromium:
        context, seen = new_context(chromium)
        page = context.new_page()
        page.route(
            "http://app.test/**",
            lambda route: route.fulfill(
                status=200,
                headers={"content-type": "text/html", "content-security-policy": CSP},
                body='<!doctype html><title>t</title><style>p{color:red}</style><p>x</p>',
            ),
        )
        page.route(
            "http://other.test/**",
            lambda route: route.fulfill(status=200, headers={"content-type": "image/png"}, body=b""),
        )
        page.goto("http://app.test/")
        page.wait_for_timeout(200)
        assert any("Content Security Policy" in text for _, text, _ in seen.problems()), seen.console
        page.route(
            "http://no-csp.test/**",
            lambda route: route.fulfill(
                status=200,
                headers={"content-type": "text/html"},
                body='<!doctype html><title>t</title><img src="http://other.test/pixel.png" alt="">',
            ),
        )
        page.goto("http://no-csp.test/")
        assert seen.foreign_requests("http://app.test") == ["http://no-csp.test/", "http://other.test/pixel.png"]
        context.close()
