"""The candidate form and the recruiter panel in a real browser, without JavaScript.

Each test runs on SQLite and on PostgreSQL (via the `live` fixture), against the whole app
under uvicorn with real S3/KMS (the emulator). Every browser context records its requests and
console messages: no page may reach another origin, log an error or violate the CSP.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import Response as PageResponse

from ats.web.security import CSP
from tests.browser.conftest import (
    Position,
    Staff,
    assign,
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

# --- page helpers ------------------------------------------------------------------------------


def cv_upload(data: bytes, name: str = "cv.pdf") -> dict[str, object]:
    return {"name": name, "mimeType": "application/pdf", "buffer": data}


def open_form(page: Page, live: Live, position: Position) -> None:
    page.goto(f"{live.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open positions")
    page.get_by_role("link", name=position.title).click()
    expect(page).to_have_url(f"{live.url}/positions/{position.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Apply for {position.title}")


def cv_input(page: Page) -> Locator:
    return page.get_by_label(re.compile(r"^CV\b"))


def acknowledgement(page: Page) -> Locator:
    return page.get_by_label("I have read the privacy notice above.")


def talent_pool(page: Page) -> Locator:
    return page.get_by_label(re.compile(r"^I consent to being kept in the talent pool"))


def is_form_post(response: PageResponse) -> bool:
    return response.request.method == "POST" and response.url.endswith("/apply")


def send_form(page: Page, *, key: str | None = None) -> PageResponse:
    """Send the application form (click, or a key on the focused button); the POST's response."""
    with page.expect_response(is_form_post) as info:
        if key:
            page.keyboard.press(key)
        else:
            page.get_by_role("button", name="Send application").click()
    return info.value


def expect_confirmation(page: Page, response: PageResponse, live: Live, position: Position) -> str:
    assert response.status == 303, f"the form POST answered {response.status}, not a redirect"
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


# --- the candidate -----------------------------------------------------------------------------


def test_candidate_finds_a_complete_form_without_javascript(browser: Browser, live: Live) -> None:
    position = create_position(live, "Backend Engineer (Platform)", "GB")
    context, seen = new_context(browser)
    page = context.new_page()
    open_form(page, live, position)
    page.screenshot(path=screenshot_path("apply-form", live), full_page=True)

    for label, kind in [
        ("Full name", "text"),
        ("Email address", "email"),
        ("Phone number (optional)", "tel"),
    ]:
        expect(page.get_by_label(label)).to_have_attribute("type", kind)
        expect(page.get_by_label(label)).to_have_value("")
    expect(page.get_by_label("Country you live in")).to_have_value("")
    expect(cv_input(page)).to_have_attribute("type", "file")
    expect(page.get_by_label(re.compile(r"^Cover letter"))).to_have_attribute("type", "file")
    expect(page.get_by_role("heading", name="Privacy notice for applicants")).to_be_visible()
    expect(acknowledgement(page)).not_to_be_checked()
    expect(talent_pool(page)).not_to_be_checked()  # optional consent is never pre-ticked
    expect(page.get_by_role("button", name="Send application")).to_be_enabled()

    page.get_by_role("link", name="Privacy notice").click()
    expect(page).to_have_url(f"{live.url}/privacy")
    expect(page.get_by_role("heading", name="Privacy notice for applicants")).to_be_visible()
    context.close()
    seen.assert_clean(live.url)


def test_candidate_applies_without_javascript(browser: Browser, live: Live) -> None:
    position = create_position(live, "Backend Engineer (Platform)", "GB")
    context, seen = new_context(browser)
    page = context.new_page()
    open_form(page, live, position)

    page.get_by_label("Full name").fill(HOSTILE_NAME)
    page.get_by_label("Email address").fill("zoe.browser@example.com")
    page.get_by_label("Phone number (optional)").fill("+44 20 7946 0000")
    page.get_by_label("Country you live in").select_option(label="United Kingdom")
    cv_input(page).set_input_files(cv_upload(pdf("Curriculum vitae of Zoë")))
    expect(talent_pool(page)).not_to_be_checked()
    acknowledgement(page).check()
    reference = expect_confirmation(page, send_form(page), live, position)

    ((name, consent),) = sql_rows(
        live.database_url,
        "SELECT p.full_name, a.talent_pool_consent FROM applications a JOIN persons p ON p.id = a.person_id "
        "WHERE a.reference = $1",
        reference,
    )
    assert name == HOSTILE_NAME
    assert not consent
    context.close()
    seen.assert_clean(live.url)


def test_form_errors_are_shown_next_to_fields_and_keep_what_was_typed(browser: Browser, live: Live) -> None:
    position = create_position(live, "Data Analyst", "FR")
    context, seen = new_context(browser)
    page = context.new_page()
    open_form(page, live, position)

    page.get_by_label("Full name").fill(ATTRIBUTE_BREAKER)
    page.get_by_label("Email address").fill("ann@@example")
    page.get_by_label("Country you live in").select_option(label="France")
    cv_input(page).set_input_files(cv_upload(pdf()))
    response = send_form(page)
    assert response.status == 422, f"the form POST answered {response.status}"
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
        # The message sits in the same field block as its input, and the input points to it.
        expect(page.locator(f".field:has(#{field}) #{field}-error")).to_contain_text(message)
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
    expect_confirmation(page, send_form(page), live, position)
    ((name,),) = sql_rows(live.database_url, "SELECT full_name FROM persons")
    assert name == ATTRIBUTE_BREAKER
    context.close()
    seen.assert_clean(live.url, allow_status={422})


def test_tab_order_reaches_every_field_and_the_button(browser: Browser, live: Live) -> None:
    position = create_position(live, "Site Reliability Engineer", "CA")
    context, seen = new_context(browser)
    page = context.new_page()
    open_form(page, live, position)

    # Every control of the form, in document order (referee rows included), then the button.
    controls: list[str] = page.locator(
        "form[action$='/apply'] :is(input:not([type=hidden]), select, textarea, button)"
    ).evaluate_all("els => els.map(e => e.id || e.tagName.toLowerCase())")
    assert [c for c in controls if c in FORM_FIELDS] == FORM_FIELDS, controls
    assert controls[-1] == "button", controls
    page.locator("body").focus()
    order = tab_to(page, "button")
    assert [i for i in order if i in controls] == controls, order
    assert page.locator(":focus").inner_text() == "Send application"

    # Space toggles the acknowledgement; the talent-pool box stays as it was.
    page.locator("body").focus()
    tab_to(page, "privacy_notice_acknowledged")
    page.keyboard.press("Space")
    expect(acknowledgement(page)).to_be_checked()
    expect(talent_pool(page)).not_to_be_checked()
    context.close()
    seen.assert_clean(live.url)


def test_form_can_be_filled_and_sent_by_keyboard(browser: Browser, live: Live) -> None:
    position = create_position(live, "Site Reliability Engineer", "CA")
    context, seen = new_context(browser)
    page = context.new_page()
    # Listening early turns on Chromium's file-chooser interception before it is needed.
    page.on("filechooser", lambda chooser: None)
    open_form(page, live, position)

    page.locator("body").focus()
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
    with page.expect_file_chooser() as chooser:  # the dialog Space opens on a file input
        page.keyboard.press("Space")
    chooser.value.set_files(cv_upload(pdf()))  # type: ignore[arg-type]
    tab_to(page, "privacy_notice_acknowledged")
    page.keyboard.press("Space")
    tab_to(page, "button")
    expect_confirmation(page, send_form(page, key="Enter"), live, position)
    context.close()
    seen.assert_clean(live.url)


# --- the recruiter -----------------------------------------------------------------------------


def apply_through_api(
    live: Live, position: Position, *, name: str, email: str, cv: bytes, filename: str
) -> str:
    """The documented public API (no CSRF there): an application to review in the panel."""
    with live.client() as client:
        response = client.post(
            f"/api/v1/positions/{position.id}/applications",
            data={
                "full_name": name,
                "email": email,
                "country": "GB",
                "privacy_notice_acknowledged": "true",
            },
            files={"cv": (filename, cv, "application/pdf")},
        )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_recruiter_reviews_an_application_without_javascript(browser: Browser, live: Live) -> None:
    position = create_position(live, "Backend Engineer (Platform)", "GB")
    recruiter = create_staff(live, "recruiter")
    assign(live, position, recruiter)
    cv_bytes = pdf("Curriculum vitae of Zoë, browser test")
    email = "zoe.browser@example.com"
    application_id = apply_through_api(
        live, position, name=HOSTILE_NAME, email=email, cv=cv_bytes, filename="Zoë CV.pdf"
    )
    ((reference,),) = sql_rows(live.database_url, "SELECT reference FROM applications")
    ((object_key,),) = sql_rows(live.database_url, "SELECT object_key FROM records")

    context, seen = new_context(browser)
    admin = context.new_page()
    sign_in(admin, live, recruiter)
    admin.get_by_role("link", name=position.title).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(position.title)
    # The pipeline page: a card (list item) per application under its state's heading.
    row = admin.get_by_role("listitem").filter(has_text=reference)
    expect(row).to_have_count(1)
    expect(row.locator(".name")).to_have_text(HOSTILE_NAME)  # escaped: shown as text
    expect(admin.locator("img")).to_have_count(0)

    row.get_by_role("link", name=reference).click()
    expect(admin).to_have_url(f"{live.url}/admin/applications/{application_id}")
    expect(admin.get_by_role("heading", level=1)).to_have_text(f"Application {reference}")
    expect(admin.locator(".candidate-name")).to_have_text(HOSTILE_NAME)
    expect(admin.locator("img")).to_have_count(0)
    expect(admin.locator("dd").filter(has_text=email)).to_have_count(1)
    consent = admin.locator("dt", has_text="Talent pool consent").locator("xpath=following-sibling::dd[1]")
    expect(consent).to_have_text("not given")

    records = admin.locator("table.records tbody tr")
    expect(records).to_have_count(1)
    cells = records.first.locator("td")
    expect(cells.nth(0)).to_contain_text("cv")
    expect(cells.nth(0)).to_contain_text("Zoë CV.pdf")
    expect(cells.nth(1)).to_have_text("legitimate-interests")
    expect(cells.nth(2)).to_have_text("employment.recruitment")
    shown_tags = parse_tags(cells.nth(3).inner_text())
    assert shown_tags["legal-basis"] == "legitimate-interests"
    assert shown_tags["purpose"] == "employment.recruitment"
    assert shown_tags["record-type"] == "cv"
    assert shown_tags["jurisdiction"] == "GB"
    assert shown_tags["application"] == application_id
    # What the page shows is what the bucket really holds.
    s3_tags = live.s3env.s3.get_object_tagging(Bucket=live.s3env.bucket, Key=object_key)["TagSet"]
    assert shown_tags == {t["Key"]: t["Value"] for t in s3_tags}
    admin.screenshot(path=screenshot_path("admin-application", live), full_page=True)

    with admin.expect_download() as download_info:
        cells.nth(4).get_by_role("link", name="Download").click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == "Zoë CV.pdf"
    assert Path(download.path()).read_bytes() == cv_bytes

    admin.get_by_role("button", name="Sign out").click()
    expect(admin).to_have_url(f"{live.url}/admin/login")
    admin.goto(f"{live.url}/admin/applications/{application_id}")
    expect(admin).to_have_url(f"{live.url}/admin/login")
    context.close()
    seen.assert_clean(live.url)


# --- every page ---------------------------------------------------------------------------------



def test_pages_serve_a_favicon(browser: Browser, live: Live) -> None:
    position = create_position(live, "Backend Engineer (Platform)", "GB")
    context, seen = new_context(browser)
    page = context.new_page()
    for path in ("/", "/privacy", f"/positions/{position.id}", "/admin/login"):
        page.goto(f"{live.url}{path}")
        links = page.locator('link[rel~="icon"]')
        icon = links.first.get_attribute("href") if links.count() else "/favicon.ico"
        response = page.request.get(f"{live.url}{icon}")
        assert response.ok, f"{path}: its icon {icon} answers {response.status}"
        assert response.headers["content-type"].startswith("image/")
    context.close()
    assert seen.favicon_failures() == []
    seen.assert_clean(live.url)


# --- the watcher itself ------------------------------------------------------------------------


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
                body="<!doctype html><title>t</title><style>p{color:red}</style><p>x</p>",
            ),
        )
        page.route(
            "http://no-csp.test/**",
            lambda route: route.fulfill(
                status=200,
                headers={"content-type": "text/html"},
                body='<!doctype html><title>t</title><img src="http://other.test/pixel.png" alt="">',
            ),
        )
        page.route(
            "http://other.test/**",
            lambda route: route.fulfill(status=200, headers={"content-type": "image/png"}, body=b""),
        )
        page.goto("http://app.test/")
        page.wait_for_timeout(200)
        assert any("Content Security Policy" in text for _, text, _ in seen.problems()), seen.console
        page.goto("http://no-csp.test/")
        assert seen.foreign_requests("http://app.test") == ["http://no-csp.test/", "http://other.test/pixel.png"]
        context.close()
