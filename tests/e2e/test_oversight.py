"""The privacy officer's console over HTTP (issue 11): the retention dashboard and the record of
processing are the privacy officer's (everyone else 404); the chart and its table show the
forecast the data gives; overdue items say why; hold history keeps both reasons; a stale position
is flagged and its recruiters mailed (a real SMTP server); the notice names the processing
locations from the policy data."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ats.bootstrap import build
from ats.domain.oversight import add_months, month_label
from ats.services.ropa import load_processing
from ats.web.app import create_app
from storage.smtp_server import SmtpServer
from tests.conftest import Live, LiveServer, S3Env, make_settings
from tests.e2e.support import (
    add_position,
    add_staff,
    admin_login,
    api_apply,
    applicant,
    assign,
    bearer,
    csrf_field,
    sql_all,
    sql_exec,
)

API = "/api/v1"


@pytest.fixture
def dev(database_url: str, s3env: S3Env) -> Iterator[tuple[Live, SmtpServer]]:
    from storage.migrate import migrate

    with SmtpServer() as smtp:
        c = build(make_settings(database_url, s3env, ats_smtp_url=smtp.url))
        c.deps.mail.inbox = smtp.inbox
        if database_url.startswith("sqlite"):
            asyncio.run(migrate())
        with LiveServer(create_app(c)) as server:
            yield Live(server.url, c, s3env, database_url), smtp


def _bars(page: str) -> dict[str, int]:
    svg = re.search(r'<svg id="forecast-chart".*?</svg>', page, re.S).group(0)
    assert "<script" not in svg and "href" not in svg
    return {m: int(n) for m, n in re.findall(r'data-month="([0-9-]+)" data-count="(\d+)"', svg)}


def _table(page: str) -> dict[str, tuple[int, int, int]]:
    """month -> (applications, records alone, the bar's total)"""
    table = re.search(r'<table id="forecast-table">.*?</table>', page, re.S).group(0)
    cells = r'<th scope="row">([0-9-]+)</th><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>'
    return {m: (int(a), int(r), int(n)) for m, a, r, n in re.findall(cells, table)}


def test_console_is_the_privacy_officers(dev: tuple[Live, SmtpServer]) -> None:
    live, _ = dev
    position = add_position(live, title="Role Check")
    officer = add_staff(live, email="o.po@example.com", role="privacy_officer")
    others = [add_staff(live, email=f"o.{r}@example.com", role=r) for r in ("recruiter", "hiring_manager", "admin")]
    assign(live, position, *others[:2])
    for person in others:
        with live.client() as client:
            admin_login(client, person)
            home = client.get("/admin/").text
            assert "/admin/oversight" not in home and "/admin/ropa" not in home
            for path in ("/admin/oversight", "/admin/ropa"):
                assert client.get(path).status_code == 404, (person.email, path)
            token = csrf_field(home)
            asked = client.post(f"/admin/oversight/positions/{position}/conclusion-request", data={"csrftoken": token})
            assert asked.status_code == 404
    with live.client() as client:
        admin_login(client, officer)
        home = client.get("/admin/").text
        assert "/admin/oversight" in home and "/admin/ropa" in home
        assert client.get("/admin/oversight").status_code == 200
        assert client.get("/admin/ropa").status_code == 200
    with live.client() as anonymous:
        assert anonymous.get("/admin/oversight", follow_redirects=False).status_code == 303


def test_chart_and_table_agree_with_the_data_and_overdue_says_why(dev: tuple[Live, SmtpServer]) -> None:
    live, _ = dev
    now = datetime.now(UTC)
    position = add_position(live, title="Forecast")
    officer = add_staff(live, email="f.po@example.com", role="privacy_officer")
    with live.client() as client:
        ids = [api_apply(client, position, data=applicant(email=f"f{i}@example.com")).json()["id"] for i in range(9)]
        in_month = lambda k: add_months(now, k) + timedelta(days=3)  # noqa: E731
        plan = {0: in_month(1), 1: in_month(1), 2: in_month(5), 3: in_month(23), 4: in_month(30)}
        for i, when in plan.items():
            sql_exec(live.database_url, "UPDATE applications SET retention_until = $1 WHERE id = $2", when, ids[i])
        # Overdue: held, restricted, failed (claimed), failed (days late), waiting (an hour late).
        for i in (5, 6, 7):
            sql_exec(live.database_url, "UPDATE applications SET retention_until = $1 WHERE id = $2", now - timedelta(days=3), ids[i])
        sql_exec(live.database_url, "UPDATE applications SET retention_until = $1 WHERE id = $2", now - timedelta(hours=1), ids[8])
        sql_exec(live.database_url, "UPDATE applications SET retention_until = $1 WHERE id = $2", now - timedelta(days=2), ids[4])
        held = client.put(f"{API}/applications/{ids[5]}/legal-hold", json={"reason": "Claim 2026-17"}, headers=bearer(officer))
        assert held.status_code in (200, 204), held.text
        sql_exec(live.database_url, "UPDATE applications SET restricted_at = $1 WHERE id = $2", now, ids[6])
        sql_exec(live.database_url, "UPDATE applications SET erasure_claim = 'w', erasure_started_at = $1 WHERE id = $2", now, ids[7])
        # A record with its own, shorter rule (due in month 2, its application in month 23): a
        # bar of its own month; the held application's records are left out like it.
        for i, k in ((3, 2), (5, 2)):
            sql_exec(live.database_url, "UPDATE records SET expires_at = $1 WHERE application_id = $2", in_month(k), ids[i])

        admin_login(client, officer)
        page = client.get("/admin/oversight").text
    expected = {month_label(add_months(now, k)): [0, 0] for k in range(24)}
    for k in (1, 1, 5, 23):
        expected[month_label(add_months(now, k))][0] += 1
    expected[month_label(add_months(now, 2))][1] += 1
    assert _bars(page) == {m: a + r for m, (a, r) in expected.items()}
    assert _table(page) == {m: (a, r, a + r) for m, (a, r) in expected.items()}
    rows = re.findall(r'<tr class="overdue-(\w+)">.*?>([A-Z0-9-]+)</a>', page, re.S)
    refs = {r[0]: r[1] for r in sql_all(live.database_url, "SELECT id, reference FROM applications")}
    why = {ref: w for w, ref in rows}
    ref = lambda i: refs[ids[i]] if ids[i] in refs else refs[uuid.UUID(ids[i])]  # noqa: E731
    assert why[ref(5)] == "held" and "Claim 2026-17" in page
    assert why[ref(6)] == "restricted"
    assert why[ref(7)] == "failed" and why[ref(4)] == "failed"
    assert why[ref(8)] == "waiting"
    # The alert counts those overdue for more than a day that are neither held nor restricted.
    assert "2 application(s) overdue for more than a day" in page


def test_hold_history_keeps_who_and_both_reasons(dev: tuple[Live, SmtpServer]) -> None:
    live, _ = dev
    position = add_position(live, title="Holds")
    officer = add_staff(live, email="h.po@example.com", role="privacy_officer")
    with live.client() as client:
        app_id = api_apply(client, position).json()["id"]
        url = f"{API}/applications/{app_id}/legal-hold"
        assert client.put(url, json={"reason": "Tribunal claim A"}, headers=bearer(officer)).status_code in (200, 204)
        assert client.request("DELETE", url, json={"reason": "Claim settled"}, headers=bearer(officer)).status_code in (200, 204)
        assert client.put(url, json={"reason": "Tribunal claim B"}, headers=bearer(officer)).status_code in (200, 204)
        admin_login(client, officer)
        page = client.get("/admin/oversight").text
    holds = re.search(r'<section aria-labelledby="holds-title".*?</section>', page, re.S).group(0)
    assert holds.index("Tribunal claim B") < holds.index("Tribunal claim A")  # standing first
    assert "Claim settled" in holds and f"user:{officer.id}" in holds and "standing" in holds
    audit = sql_all(live.database_url, "SELECT details FROM audit_events WHERE action LIKE 'legal_hold.%'")
    assert all("Tribunal" not in str(d) and "settled" not in str(d) for (d,) in audit)  # reasons stay out of the trail


def test_stale_position_flagged_and_recruiters_mailed(dev: tuple[Live, SmtpServer]) -> None:
    live, smtp = dev
    old = add_position(live, title="Forgotten Role")
    fresh = add_position(live, title="Fresh Role")
    sql_exec(live.database_url, "UPDATE positions SET created_at = $1 WHERE id = $2", datetime.now(UTC) - timedelta(days=400), old)
    recruiter = add_staff(live, email="s.rec@example.com", role="recruiter")
    manager = add_staff(live, email="s.hm@example.com", role="hiring_manager")
    officer = add_staff(live, email="s.po@example.com", role="privacy_officer")
    assign(live, old, recruiter, manager)
    with live.client() as client:
        for i in range(2):
            api_apply(client, old, data=applicant(email=f"s{i}@example.com"))
        admin_login(client, officer)
        page = client.get("/admin/oversight").text
        stale = re.search(r'<section aria-labelledby="stale-title".*?</section>', page, re.S).group(0)
        assert "Forgotten Role" in stale and "Fresh Role" not in stale
        assert re.search(r"Forgotten Role \(GB\)</td><td>[0-9-]+</td><td>2</td>", stale)
        smtp.inbox.clear()
        refused = client.post(f"/admin/oversight/positions/{fresh}/conclusion-request", data={"csrftoken": csrf_field(page)})
        assert refused.status_code == 409 and smtp.inbox.messages() == []
        asked = client.post(
            f"/admin/oversight/positions/{old}/conclusion-request", data={"csrftoken": csrf_field(page)}, follow_redirects=False
        )
        assert asked.status_code == 303
    mails = smtp.inbox.messages()
    assert [m.recipients for m in mails] == [("s.rec@example.com",)]
    events = sql_all(live.database_url, "SELECT actor, details FROM audit_events WHERE action = 'position.conclusion_requested'")
    assert len(events) == 1 and "s.rec" not in str(events[0])


def test_ropa_page_and_notice_name_the_policy_locations(dev: tuple[Live, SmtpServer]) -> None:
    live, _ = dev
    names = load_processing().location_names()
    assert names == ["United Kingdom", "United States", "Canada", "India"]
    officer = add_staff(live, email="r.po@example.com", role="privacy_officer")
    with live.client() as client:
        notice = client.get("/privacy").text
        assert "In United Kingdom, United States, Canada and India." in notice
        admin_login(client, officer)
        page = client.get("/admin/ropa").text
    assert ", ".join(names) in page and "background-check-report" in page and "GDPR Art. 6(1)(f)" in page


def test_job_runs_show_their_counts_and_errors(dev: tuple[Live, SmtpServer]) -> None:
    """Job runs as the jobs write them (counts and errors are JSON columns, handed back as text):
    the page answered 500 on a fresh `make run`, whose jobs run at start-up."""
    live, _ = dev
    officer = add_staff(live, email="j.po@example.com", role="privacy_officer")
    now = datetime.now(UTC)
    failed_app = uuid.uuid4()
    sql_exec(
        live.database_url,
        "INSERT INTO job_runs (id, job, started_at, finished_at, status, counts, errors, holder) "
        "VALUES ($1, 'expire', $2, $3, 'failed', $4, $5, 'test')",
        uuid.uuid4(), now - timedelta(minutes=5), now - timedelta(minutes=4), '{"erased": 7, "failed": 1}',
        f'[{{"application_id": "{failed_app}", "error": "object deletion failed"}}]',
    )
    with live.client() as client:
        admin_login(client, officer)
        page = client.get("/admin/oversight")
    assert page.status_code == 200, page.text[:300]
    assert "erased 7" in page.text and "object deletion failed" in page.text
    assert "The latest run of the expire job did not succeed." in page.text
