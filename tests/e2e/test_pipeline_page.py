"""The pipeline page of a position (issue 8 item 3; DESIGN §8 archive phase) over real HTTP, on
SQLite and PostgreSQL: counts per state, cards linking to the application, the state filter and
the reference search (GET forms), keyset pages over ties, the archive summary a recruiter sees
once hiring concluded, and the full (audited) view of a privacy officer. Also the API's
`?status=` and `?reference=`."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import httpx
import pytest
from markupsafe import escape

from ats.domain.references import new_reference
from tests.e2e.support import Staff, add_staff, admin_login, bearer, csrf_field, sql_all, sql_exec

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
NAME = "<i>Zoë</i> Ōtsuka"
# (state, minutes after T0): ties on submitted_at within and across states.
SEED = [
    ("submitted", 0), ("screening", 1), ("submitted", 1), ("interview", 2), ("submitted", 2),
    ("screening", 2), ("rejected", 3), ("submitted", 3), ("screening", 3),
]


def _assign(live: Any, position: uuid.UUID, staff: Staff) -> None:
    sql_exec(
        live.database_url,
        "INSERT INTO position_assignments (id, position_id, user_id, assigned_at) VALUES ($1, $2, $3, $4)",
        uuid.uuid4(), position, staff.id, datetime.now(UTC),
    )


def _seed(live: Any, position: uuid.UUID) -> list[dict[str, Any]]:
    """Applications written as the intake writes their rows (no documents: the page reads none)."""
    made = []
    for i, (state, minutes) in enumerate(SEED):
        person, application = uuid.uuid4(), uuid.uuid4()
        at = T0 + timedelta(minutes=minutes)
        name = NAME if i == 0 else f"Wilhelmina Pipeline-{i}"
        sql_exec(
            live.database_url,
            "INSERT INTO persons (id, email, full_name, phone, country, created_at) VALUES ($1, $2, $3, NULL, 'GB', $4)",
            person, f"c{i}-{uuid.uuid4().hex[:6]}@example.org", name, at,
        )
        reference = new_reference()
        sql_exec(
            live.database_url,
            "INSERT INTO applications (id, reference, position_id, person_id, dedupe_key, status, submitted_at, "
            "privacy_notice_version, talent_pool_consent) VALUES ($1, $2, $3, $4, $5, $6, $7, '2026-11-22', $8)",
            application, reference, position, person, f"{position}:{uuid.uuid4().hex}", state, at, False,
        )
        made.append({"id": str(application), "reference": reference, "state": state, "at": at, "name": name})
    return made


def _newest_first(apps: list[dict[str, Any]]) -> list[str]:
    return [a["reference"] for a in sorted(apps, key=lambda a: (a["at"], a["id"]), reverse=True)]


def _references(page: str) -> list[str]:
    return re.findall(r'<a href="/admin/applications/[^"]+" class="reference">(APP-[0-9A-Z]{10})</a>', page)


def _older(page: str) -> str | None:
    found = re.search(r'href="([^"]+)">Older applications<', page)
    return unescape(found.group(1)) if found else None


@pytest.fixture
def position(live: Any) -> uuid.UUID:
    from tests.e2e.support import add_position

    return add_position(live, title="Pipeline Engineer", jurisdiction="GB")


@pytest.fixture
def seeded(live: Any, position: uuid.UUID) -> list[dict[str, Any]]:
    return _seed(live, position)


@pytest.fixture
def recruiter(live: Any, position: uuid.UUID) -> Staff:
    staff = add_staff(live, email="pipeline.recruiter@example.com", role="recruiter")
    _assign(live, position, staff)
    return staff


@pytest.fixture
def signed_in(client: httpx.Client, recruiter: Staff) -> httpx.Client:
    assert admin_login(client, recruiter).status_code == 303
    return client


def test_the_pipeline_shows_each_state_with_its_count_and_cards_linking_to_the_application(
    signed_in: httpx.Client, position: uuid.UUID, seeded: list[dict[str, Any]]
) -> None:
    page = signed_in.get(f"/admin/positions/{position}")

    assert page.status_code == 200
    text = page.text
    for state, label, n in (("submitted", "Submitted", 4), ("screening", "Screening", 3), ("interview", "Interview", 1),
                            ("rejected", "Rejected", 1)):
        assert f'<h2 id="state-{state}">{label} <span class="count">({n})</span></h2>' in text
        assert f'<option value="{state}">{state} ({n})</option>' in text
    assert 'id="state-hired"' not in text and '<option value="hired">hired (0)</option>' in text
    assert sorted(_references(text)) == sorted(a["reference"] for a in seeded)
    for a in seeded:
        assert f'<a href="/admin/applications/{a["id"]}" class="reference">{a["reference"]}</a>' in text
    assert str(escape(NAME)) in text and NAME not in text
    # Inside a state's section the cards come newest first.
    section = text.split('id="state-submitted"')[1].split("</section>")[0]
    assert _references(section) == _newest_first([a for a in seeded if a["state"] == "submitted"])
    assert '<form method="get"' in text and 'role="search"' in text and "<script" not in text and "style=" not in text


def test_the_state_filter_shows_that_state_only(
    signed_in: httpx.Client, position: uuid.UUID, seeded: list[dict[str, Any]]
) -> None:
    page = signed_in.get(f"/admin/positions/{position}", params={"status": "screening"})

    assert page.status_code == 200
    assert _references(page.text) == _newest_first([a for a in seeded if a["state"] == "screening"])
    assert '<option value="screening" selected>' in page.text
    assert 'id="state-submitted"' not in page.text
    empty = signed_in.get(f"/admin/positions/{position}", params={"status": "hired"})
    assert empty.status_code == 200 and _references(empty.text) == []
    assert "No applications in the state hired." in empty.text
    bad = signed_in.get(f"/admin/positions/{position}", params={"status": "<b>erased</b>"})
    assert bad.status_code == 422
    assert "Choose a state from the list." in bad.text and "<b>erased</b>" not in bad.text
    assert sorted(_references(bad.text)) == sorted(a["reference"] for a in seeded)  # the whole pipeline below


def test_the_reference_search_finds_the_application_however_typed_and_says_when_none_has_it(
    live: Any, signed_in: httpx.Client, position: uuid.UUID, seeded: list[dict[str, Any]]
) -> None:
    target = seeded[3]
    typed = " " + target["reference"].lower().replace("-", " ") + " "
    found = signed_in.get(f"/admin/positions/{position}", params={"reference": typed})
    assert found.status_code == 200
    assert _references(found.text) == [target["reference"]]
    assert f'value="{target["reference"]}"' in found.text  # the search box shows what was found

    missing_reference = new_reference()
    missing = signed_in.get(f"/admin/positions/{position}", params={"reference": missing_reference})
    assert missing.status_code == 200 and _references(missing.text) == []
    assert "No application to this position has the reference" in missing.text and missing_reference in missing.text

    bad = signed_in.get(f"/admin/positions/{position}", params={"reference": "APP-<b>1</b>"})
    assert bad.status_code == 422
    assert "A reference looks like APP-" in bad.text
    assert 'value="APP-&lt;b&gt;1&lt;/b&gt;"' in bad.text and "<b>1</b>" not in bad.text  # kept, escaped
    assert 'aria-invalid="true"' in bad.text
    listed = [r for r in sql_all(live.database_url, "SELECT action, details FROM audit_events ORDER BY seq")
              if r[0] == "position.applications_listed"]
    assert len(listed) == 3 and all(target["reference"] not in str(d) for _, d in listed)


@pytest.mark.parametrize("state", [None, "submitted"])
def test_keyset_pages_cover_every_application_once_over_ties(
    signed_in: httpx.Client, position: uuid.UUID, seeded: list[dict[str, Any]], state: str | None
) -> None:
    params = {"limit": "2", **({"status": state} if state else {})}
    page = signed_in.get(f"/admin/positions/{position}", params=params)
    seen, pages = [], 0
    while True:
        assert page.status_code == 200
        pages += 1
        refs = _references(page.text)
        assert len(refs) <= 2
        seen += refs
        nxt = _older(page.text)
        if nxt is None:
            break
        assert "limit=2" in nxt and (state is None or f"status={state}" in nxt)
        page = signed_in.get(nxt)
        assert "Newest applications" in page.text
    expected = _newest_first([a for a in seeded if state is None or a["state"] == state])
    assert sorted(seen) == sorted(expected) and len(seen) == len(expected)
    # Across pages the order is newest first (within a page, cards are grouped by state).
    if state:
        assert seen == expected
    assert pages == (len(expected) + 1) // 2


def _conclude(client: httpx.Client, position: uuid.UUID) -> None:
    page = client.get(f"/admin/positions/{position}")
    done = client.post(
        f"/admin/positions/{position}/conclude", data={"csrftoken": csrf_field(page.text), "outcome": "filled"}
    )
    assert done.status_code == 303, done.text[:500]


def test_a_concluded_position_shows_its_recruiter_counts_and_retention_date_only(
    signed_in: httpx.Client, position: uuid.UUID, seeded: list[dict[str, Any]]
) -> None:
    _conclude(signed_in, position)

    page = signed_in.get(f"/admin/positions/{position}")

    assert page.status_code == 200
    text = page.text
    assert "Kept until" in text and "Hiring concluded" in text
    assert re.search(r"<time datetime=\"20\d\d-\d\d-\d\dT[^\"]+\">20\d\d-\d\d-\d\d</time>, then erased", text)
    assert '<th scope="row">rejected</th><td>9</td>' in text  # concluding rejects those still open
    for a in seeded:
        assert a["reference"] not in text and a["id"] not in text
        assert str(escape(a["name"])) not in text
    assert "/admin/applications/" not in text
    # Nor through a filter or a search.
    for params in ({"status": "rejected"}, {"reference": seeded[0]["reference"]}):
        again = signed_in.get(f"/admin/positions/{position}", params=params)
        assert seeded[0]["reference"] not in again.text.replace(f'value="{seeded[0]["reference"]}"', "")
        assert "/admin/applications/" not in again.text


def test_a_privacy_officer_sees_a_concluded_position_in_full_and_is_audited(
    live: Any, client: httpx.Client, signed_in: httpx.Client, position: uuid.UUID, seeded: list[dict[str, Any]]
) -> None:
    _conclude(signed_in, position)
    officer = add_staff(live, email="pipeline.officer@example.com", role="privacy_officer")
    with live.client() as other:
        assert admin_login(other, officer).status_code == 303
        page = other.get(f"/admin/positions/{position}")
    assert page.status_code == 200
    assert sorted(_references(page.text)) == sorted(a["reference"] for a in seeded)
    assert str(escape(NAME)) in page.text and "Kept until" not in page.text
    rows = sql_all(live.database_url, "SELECT actor, action, position_id FROM audit_events ORDER BY seq")
    assert rows[-1][:2] == (f"user:{officer.id}", "position.applications_listed")
    assert str(rows[-1][2]) == str(position)


def test_the_api_filters_by_state_and_reference_and_counts_per_state(
    client: httpx.Client, recruiter: Staff, position: uuid.UUID, seeded: list[dict[str, Any]]
) -> None:
    url = f"/api/v1/positions/{position}/applications"
    whole = client.get(url, headers=bearer(recruiter))
    assert whole.status_code == 200, whole.text
    body = whole.json()
    assert body["counts"]["submitted"] == 4 and body["counts"]["hired"] == 0 and sum(body["counts"].values()) == 9
    assert [a["reference"] for a in body["applications"]] == _newest_first(seeded)
    screening = client.get(url, params={"status": "screening"}, headers=bearer(recruiter)).json()
    assert [a["reference"] for a in screening["applications"]] == _newest_first(
        [a for a in seeded if a["state"] == "screening"]
    )
    one = client.get(url, params={"reference": seeded[5]["reference"].lower()}, headers=bearer(recruiter)).json()
    assert [a["id"] for a in one["applications"]] == [seeded[5]["id"]]
    for params, field in (({"status": "nope"}, "status"), ({"reference": "x"}, "reference")):
        bad = client.get(url, params=params, headers=bearer(recruiter))
        assert bad.status_code == 422 and bad.json()["error"]["field"] == field
