"""The application page's workflow forms: referees and their reports, the offer (extended with
its link mailed to the candidate) and the candidate's answer recorded with a note.

Each form calls the service the API calls (ats.services.references, ats.services.workflow). A
refused form re-renders the application page with its status (4xx, no redirect), the error
beside the field the service named and the values as typed (Jinja escapes them). Recruiters
only: hiring managers see no reference reports (DESIGN §8), and offers follow the references.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from admin.application_pages import render_application
from admin.panel import Panel, uuid_param
from ats.domain.actors import Actor
from ats.domain.errors import DomainError, Forbidden, NotFound, ValidationError
from ats.domain.model import Role
from ats.services import references, workflow
from ats.services.links import ANSWER_WINDOW
from ats.web.errors import status_for
from ats.web.rules import staff

# The panel's reference questions: a report is the referee's answers to these (the API takes
# any questions; the panel asks the same ones every time, so reports compare).
REFERENCE_QUESTIONS = (
    "How do you know the candidate, and for how long?",
    "What are the candidate's main strengths?",
    "What could the candidate develop further?",
    "Would you work with the candidate again? Why?",
)
REFEREE_ROWS = 3  # blank rows to add referees at once (the service allows 5 in all)
MAX_ANSWER = 4000  # per answer, as the textarea's maxlength (the service caps the report at 64 KB)
COLUMNS = ("full_name", "email", "relationship")  # a referee row's inputs, named as the service's fields
ANSWERS = {"accepted": "offer_accepted", "declined": "offer_declined"}

RECRUITERS = staff(
    Role.RECRUITER,
    why="referees, reference reports and offers: the recruiter's steps; hiring managers see no reference reports",
)


@dataclass
class FormState:
    """A refused form: which one, its errors keyed by the id of the element they belong to,
    and the values to show again."""

    form: str
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _texts(form: FormData, name: str) -> list[str]:
    return [v if isinstance(v, str) else "" for v in form.getlist(name)]


def routes(panel: Panel) -> list[Route]:
    deps = panel.deps
    panel.templates.env.globals.update(
        reference_questions=REFERENCE_QUESTIONS,
        reference_states=frozenset(s.value for s in references.REFERENCE_STATES),
        referee_rows=REFEREE_ROWS,
        max_referees=references.MAX_REFEREES,
        max_answer=MAX_ANSWER,
        offer_answer_days=ANSWER_WINDOW.days,
    )

    async def refused(
        request: Request, actor: Actor, application_id: UUID, exc: DomainError, state: FormState, where: str
    ) -> Response:
        """Out of scope stays a 404 page; anything else re-renders the page with the error at
        `where` (the element the service's field maps to) and the values kept."""
        if isinstance(exc, NotFound | Forbidden):
            raise exc
        state.errors.setdefault(where, exc.message)
        return await render_application(panel, request, actor, application_id, status=status_for(exc), wf=state)

    def back(application_id: UUID, anchor: str) -> Response:
        return RedirectResponse(f"/admin/applications/{application_id}#{anchor}", status_code=303)

    async def add_referees(request: Request, actor: Actor) -> Response:
        application_id = uuid_param(request, "application_id")
        form = await request.form(max_files=0, max_fields=3 * references.MAX_REFEREES + 2)
        columns = [_texts(form, k) for k in COLUMNS]
        count = max(len(c) for c in columns)
        rows = [{k: (c[i] if i < len(c) else "") for k, c in zip(COLUMNS, columns, strict=True)} for i in range(count)]
        state = FormState("referees", values={"rows": rows[: references.MAX_REFEREES] or [{}]})
        # Rows left entirely blank are not referees; the service numbers the others from 0.
        given = [i for i, row in enumerate(rows) if any(v.strip() for v in row.values())]
        try:
            if count > references.MAX_REFEREES:
                raise ValidationError(f"Add at most {references.MAX_REFEREES} referees.", field="referees")
            await references.add_referees(deps, actor, application_id, [rows[i] for i in given])
        except DomainError as exc:
            return await refused(request, actor, application_id, exc, state, _referee_field(exc, given))
        return back(application_id, "referees")

    async def record_report(request: Request, actor: Actor) -> Response:
        application_id = uuid_param(request, "application_id")
        referee_id = uuid_param(request, "referee_id")
        form = await request.form(max_files=0, max_fields=len(REFERENCE_QUESTIONS) + 2)
        given = [_text(form, f"q{n}") for n in range(1, len(REFERENCE_QUESTIONS) + 1)]
        # Unanswered questions are left out; none answered at all is the service's error.
        answers = {q: a.strip() for q, a in zip(REFERENCE_QUESTIONS, given, strict=True) if a.strip()}
        where = f"report-{referee_id}"
        state = FormState(where, values={"answers": given})
        try:
            if any(len(a) > MAX_ANSWER for a in given):
                raise ValidationError(f"Each answer can be at most {MAX_ANSWER} characters.", field="answers")
            await references.record_reference(deps, actor, application_id, referee_id, answers)
        except DomainError as exc:
            return await refused(request, actor, application_id, exc, state, where)
        return back(application_id, "referees")

    async def extend_offer(request: Request, actor: Actor) -> Response:
        application_id = uuid_param(request, "application_id")
        await request.form(max_files=0, max_fields=2)
        try:
            await workflow.transition(deps, actor, application_id, to="offer_extended")
        except DomainError as exc:
            return await refused(request, actor, application_id, exc, FormState("offer-extend"), "offer-extend")
        return back(application_id, "offer")

    async def record_answer(request: Request, actor: Actor) -> Response:
        application_id = uuid_param(request, "application_id")
        form = await request.form(max_files=0, max_fields=4)
        answer, note = _text(form, "answer"), _text(form, "note")
        state = FormState("offer-answer", values={"answer": answer, "note": note})
        try:
            if answer not in ANSWERS:
                raise ValidationError("Choose the candidate's answer: accepted or declined.", field="to")
            # The service requires the note for these moves (staff recording it say how).
            await workflow.transition(deps, actor, application_id, to=ANSWERS[answer], reason=note or None)
        except DomainError as exc:
            where = {"to": "offer-answer-choice", "reason": "offer-answer-note"}.get(exc.field or "", "offer-answer")
            return await refused(request, actor, application_id, exc, state, where)
        return back(application_id, "offer")

    app = "/applications/{application_id}"
    return [
        panel.route(f"{app}/referees", add_referees, rule=RECRUITERS, methods=["POST"]),
        panel.route(f"{app}/referees/{{referee_id}}/report", record_report, rule=RECRUITERS, methods=["POST"]),
        panel.route(f"{app}/offer", extend_offer, rule=RECRUITERS, methods=["POST"]),
        panel.route(f"{app}/offer/answer", record_answer, rule=RECRUITERS, methods=["POST"]),
    ]


def _referee_field(exc: DomainError, given: list[int]) -> str:
    """The input a referee error belongs to: `referees[k].email` is the k-th row given."""
    name = exc.field or ""
    if name.startswith("referees[") and "]." in name:
        index, _, column = name[len("referees[") :].partition("].")
        if index.isdigit() and int(index) < len(given):
            return f"referee-{given[int(index)]}-{column}"
    return "referees-form"
