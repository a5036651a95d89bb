"""Property-based robustness over the OpenAPI document (issue 9, "Also"): schemathesis generates
requests from the running app's /api/v1/openapi.json, valid ones and ones that break the schema,
against the `live` server on both databases, public and staff operations, and the only check is
schemathesis' `not_a_server_error`: whatever the input, no 5xx (DESIGN §4, invariant 7).

Path parameters are random (mostly unknown ids) or, half the time where every one is known, the
ids of a real position, application and record, so the handlers behind the 404 are reached too.
Staff operations carry a recruiter's bearer token (a privacy officer's for legal holds).
ATS_FUZZ_EXAMPLES (default 30; .ci/run sets 100) is the number of examples per operation; the
cases are derandomized, so a failure in CI reproduces locally. Every failure is collected and
reported with a curl command that repeats it.

Found by it (PostgreSQL, 100 examples, before e1d178c): PUT /applications/{id}/legal-hold with a
reason containing U+0000 answered 500 (asyncpg refuses NUL in text).
"""

from __future__ import annotations

import os
from typing import Any

import hypothesis.strategies as st
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.e2e.support import add_position, add_staff, api_apply, assign, bearer

EXAMPLES = int(os.environ.get("ATS_FUZZ_EXAMPLES", "30"))


def _known_ids(live: Any) -> tuple[dict[str, str], dict[str, str]]:
    """A real position, application and record, and the staff headers to use."""
    position = add_position(live, title="Fuzzed position", jurisdiction="GB")
    recruiter = add_staff(live, email="fuzz-recruiter@example.com", role="recruiter")
    officer = add_staff(live, email="fuzz-officer@example.com", role="privacy_officer")
    assign(live, position, recruiter)
    with live.client() as client:
        created = api_apply(client, position)
        assert created.status_code == 201, created.text
        application = created.json()["id"]
        detail = client.get(f"/api/v1/applications/{application}", headers=bearer(recruiter))
        assert detail.status_code == 200, detail.text
        record = detail.json()["records"][0]["id"]
    ids = {"position_id": str(position), "application_id": application, "record_id": record}
    return ids, {"recruiter": bearer(recruiter)["Authorization"], "officer": bearer(officer)["Authorization"]}


def _strategy(operation: Any, ids: dict[str, str]) -> Any:
    names = [p.name for p in operation.path_parameters]
    strategies = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategies.append(operation.as_strategy(generation_mode=mode))
        if names and all(n in ids for n in names):
            fixed = {n: ids[n] for n in names}
            strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    return st.one_of(strategies)


def test_no_input_makes_the_api_answer_a_server_error(live: Any) -> None:
    ids, tokens = _known_ids(live)
    schema = schemathesis.openapi.from_url(f"{live.url}/api/v1/openapi.json")
    base_url = f"{live.url}/api/v1"
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10  # the document was read, not an empty one

    for operation in operations:
        token = tokens["officer"] if "legal-hold" in operation.path else tokens["recruiter"]
        headers = {"Authorization": token} if operation.security else {}

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,  # no example files on disk
            derandomize=True,  # the same cases in every run: a CI failure reproduces locally
            suppress_health_check=list(HealthCheck),
        )
        @given(case=_strategy(operation, ids))
        def run(case: Any) -> None:
            response = case.call(base_url=base_url, headers=headers, timeout=30)
            case.validate_response(response, checks=[not_a_server_error], headers=headers)

        try:
            run()
        except Exception as exc:  # collect, so one report names every failing operation
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)
