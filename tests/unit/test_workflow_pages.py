"""The panel's workflow forms put a service error beside the input it names (admin/workflow_pages.py)."""

from __future__ import annotations

import pytest

from admin.workflow_pages import _referee_field
from ats.domain.errors import Conflict, ValidationError


@pytest.mark.parametrize(
    ("field", "given", "where"),
    [
        ("referees[0].email", [0, 1], "referee-0-email"),
        ("referees[0].full_name", [2], "referee-2-full_name"),  # rows 0 and 1 left blank
        ("referees[1].relationship", [0, 2], "referee-2-relationship"),
        ("referees[5].email", [0], "referees-form"),  # no such row: the form's own error
        ("referees[x].email", [0], "referees-form"),
        ("referees", [0], "referees-form"),
        (None, [0], "referees-form"),
    ],
)
def test_a_service_error_lands_beside_the_row_it_names(field: str | None, given: list[int], where: str) -> None:
    assert _referee_field(ValidationError("message", field=field), given) == where


def test_an_error_without_a_field_is_the_forms() -> None:
    assert _referee_field(Conflict("Referees are taken before an offer is made."), [0]) == "referees-form"
