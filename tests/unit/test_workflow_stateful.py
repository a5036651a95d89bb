"""Stateful property test of DESIGN §4 invariant 3 (no background check before an accepted offer).

A hypothesis RuleBasedStateMachine drives random sequences of every workflow and background-check
action, legal and illegal, through the services (ats.services.*) with the in-memory fakes. Each
action expects either success or a DomainError; any other exception fails. Where the outcome
follows from the rules (transitions, offer answers, consent requests and answers, starting a
check) the machine also asserts that exactly the legal calls succeed.

After every step the invariant is checked against the fakes' raw state and the audit trail:

- every consent request belongs to an application whose audit trail shows offer_accepted before
  the request, and asks only for types the position's jurisdiction allows;
- every check's type is in its consent's types, and the check started while its consent was given
  (consent.given before check.started, no consent.withdrawn in between), after offer_accepted;
- no check under a withdrawn consent is open;
- a decided check was decided only after its respond_by date, which is the policy's waiting period
  in business days after the pre-adverse notice;
- France keeps no background-check document;
- the audit hash chain verifies.

CI runs it with ATS_STATEFUL_EXAMPLES=2000 (or more).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import threading
from collections.abc import Coroutine
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ats.domain import audit as audit_chain
from ats.domain.access import may_move
from ats.domain.actors import CANDIDATE, Actor, staff
from ats.domain.background import OPEN_CHECKS, CheckStatus, ConsentStatus
from ats.domain.business_days import add_business_days
from ats.domain.errors import Conflict, DomainError, Forbidden, NotFound, ValidationError
from ats.domain.jurisdiction import CHECK_TYPES, PolicyBook
from ats.domain.model import ApplicationStatus as S
from ats.domain.model import RecordType, Role
from ats.policy_loader import load_policy
from ats.ports import Assignment
from ats.services import applications, background, consents, positions, references, workflow
from ats.services.applications import Upload
from ats.services.deps import Deps
from ats.services.links import LinkInvalid
from storage.memory import FixedClock, MemoryBlobStore, MemoryKeyProvider, MemoryUnitOfWork
from storage.vault import RecordVault
from tests.helpers import pdf
from tests.unit.test_workflow_table import ALLOWED

POLICY = load_policy()  # the shipped policy file, parsed once
JURISDICTIONS = ("US", "US-CA", "US-NY-NYC", "FR", "GB", "CA", "IN")
ANALYSIS = "Article 23-A factors weighed."  # New York City's Fair Chance Notice needs one
PDF = pdf("background check report")
CHECK_STATES = {S.OFFER_ACCEPTED, S.BACKGROUND_CHECK}
PRE_OFFER_NEXT = {
    S.SUBMITTED: S.SCREENING,
    S.SCREENING: S.INTERVIEW,
    S.INTERVIEW: S.REFERENCE_CHECK,
    S.REFERENCE_CHECK: S.OFFER_EXTENDED,
    S.OFFER_ACCEPTED: S.BACKGROUND_CHECK,
    S.BACKGROUND_CHECK: S.HIRED,
}
REFERENCE_STATES = {S.SUBMITTED, S.SCREENING, S.INTERVIEW, S.REFERENCE_CHECK}
# Targets a staff transition reaches only with a note (the candidate's own answer, recorded for
# them), where the service has that rule.
NOTE_REQUIRED = {s.value for s in getattr(workflow, "CANDIDATE_ANSWERS", ())}

# DESIGN §8: RECRUITER creates (and so is assigned to) every position, HIRING_MANAGER is
# assigned to each; the other staff, one of each role, are assigned to none (404 for them).
RECRUITER = staff(uuid4(), Role.RECRUITER)
HIRING_MANAGER = staff(uuid4(), Role.HIRING_MANAGER)
ACTORS: list[Actor] = [RECRUITER, HIRING_MANAGER, *(staff(uuid4(), role) for role in Role), CANDIDATE]
TYPE_VALUES = (*CHECK_TYPES, "polygraph", "Criminal", "")
NAMES: list[object] = [None, "", "   ", "\u200b\u202e", 42, "Ada Lovelace", "  Ada\tLovelace "]
CONFIRMS: list[object] = [None, True, False, "true", "on", "yes", "no", "false", 1]

SETTINGS = settings(
    max_examples=int(os.environ.get("ATS_STATEFUL_EXAMPLES", "200")),
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _note(label: str) -> None:
    """Count outcomes for `pytest --hypothesis-show-statistics` (a no-op outside hypothesis)."""
    with contextlib.suppress(InvalidArgument):
        event(label)


def _types_ok(jurisdiction: str, types: object) -> bool:
    policy = POLICY.get(jurisdiction)
    return (
        policy is not None
        and isinstance(types, list)
        and bool(types)
        and all(isinstance(t, str) and t in policy.allowed for t in types)
    )


def _name_ok(name: object) -> bool:
    return isinstance(name, str) and "Ada" in name


class WorkflowMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.clock = FixedClock()  # Monday 5 January 2026, 09:00 UTC
        self.deps = Deps(
            uow=MemoryUnitOfWork(),
            vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore()),
            clock=self.clock,
            policy=POLICY,
        )
        self.positions = {
            j: self.call(
                positions.create_position(self.deps, RECRUITER, title=f"Role in {j}", jurisdiction=j)
            )
            for j in JURISDICTIONS
        }
        for position in self.positions.values():
            assert HIRING_MANAGER.user_id is not None
            self.call(self.deps.uow.repo.add_assignment(Assignment(position.id, HIRING_MANAGER.user_id, self.clock.now())))
        self.jurisdiction_of: dict[UUID, str] = {}  # application -> its position's jurisdiction
        self.apps: list[UUID] = []
        self.offer_tokens: dict[str, UUID] = {}  # every offer token issued -> its application
        self.consent_tokens: dict[str, UUID] = {}  # every consent token issued -> its consent
        self.check_ids: list[UUID] = []
        self.referees: list[tuple[UUID, UUID]] = []
        self.emails = 0

    def teardown(self) -> None:
        self.loop.close()

    # -- plumbing -----------------------------------------------------------------------------

    def call(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run_until_complete(coro)

    def attempt(self, label: str, coro: Coroutine[Any, Any, Any]) -> tuple[bool, Any]:
        """Run one service call: a DomainError is an expected refusal; anything else fails."""
        try:
            value = self.loop.run_until_complete(coro)
        except DomainError as exc:
            _note(f"{label}: refused ({type(exc).__name__})")
            return False, exc
        _note(f"{label}: ok")
        return True, value

    @property
    def repo(self) -> Any:
        return self.deps.uow.repo  # re-read: a rolled-back transaction replaces repo.state

    def table(self, name: str) -> dict[Any, Any]:
        return self.repo.state.get(name, {})

    def status(self, app_id: UUID) -> S | None:
        app = self.table("applications").get(app_id)
        return app.status if app else None

    def consents_of(self, app_id: UUID) -> list[Any]:
        return [c for c in self.table("consents").values() if c.application_id == app_id]

    def checks_of(self, app_id: UUID) -> list[Any]:
        return [c for c in self.table("checks").values() if c.application_id == app_id]

    def pick_app(self, data: st.DataObject) -> UUID:
        return data.draw(st.sampled_from([*self.apps, uuid4()]) if self.apps else st.just(uuid4()), "app")

    def submit(self, jurisdiction: str, *, acknowledged: bool = True) -> tuple[bool, Any]:
        self.emails += 1
        fields = {
            "full_name": f"Candidate Number{self.emails}",
            "email": f"candidate{self.emails}@example.org",
            "country": "US",
            "privacy_notice_acknowledged": "true" if acknowledged else "",
        }
        ok, value = self.attempt(
            "submit",
            applications.submit_application(
                self.deps,
                position_id=self.positions[jurisdiction].id,
                fields=fields,
                cv=Upload("cv.pdf", PDF),
            ),
        )
        assert ok == acknowledged, value
        if ok:
            self.apps.append(value.id)
            self.jurisdiction_of[value.id] = jurisdiction
        return ok, value

    # -- the legal steps, each asserted to succeed ----------------------------------------------

    def do_transition(self, app_id: UUID, target: S, actor: Actor = RECRUITER) -> None:
        ok, value = self.attempt("transition", workflow.transition(self.deps, actor, app_id, to=target.value))
        assert ok, value
        if value.offer_token:
            self.offer_tokens[value.offer_token] = app_id

    def do_request(self, app_id: UUID, types: list[str]) -> None:
        ok, value = self.attempt(
            "request_consent", consents.request_consent(self.deps, RECRUITER, app_id, types)
        )
        assert ok, value
        consent, token = value
        self.consent_tokens[token] = consent.id

    # -- rules -------------------------------------------------------------------------------

    @initialize(jurisdiction=st.sampled_from(JURISDICTIONS))
    def first_application(self, jurisdiction: str) -> None:
        self.submit(jurisdiction)

    @precondition(lambda self: len(self.apps) < 6)
    @rule(
        jurisdiction=st.sampled_from(JURISDICTIONS), acknowledged=st.sampled_from([True, True, True, False])
    )
    def submit_application(self, jurisdiction: str, acknowledged: bool) -> None:
        self.submit(jurisdiction, acknowledged=acknowledged)

    @rule(data=st.data())
    def transition(self, data: st.DataObject) -> None:
        """Any actor, any target (or a bogus one), any reason: exactly the table's moves pass."""
        app_id = self.pick_app(data)
        target = data.draw(st.sampled_from([*(s.value for s in S), "bogus"]), "to")
        actor = data.draw(st.sampled_from(ACTORS), "actor")
        reason = data.draw(st.sampled_from([None, "fits the role", 7, "x" * 501]), "reason")
        current = self.status(app_id)
        ok, value = self.attempt(
            "transition(any)", workflow.transition(self.deps, actor, app_id, to=target, reason=reason)
        )
        if target == "bogus" or not (reason is None or (isinstance(reason, str) and len(reason) <= 500)):
            expected: type[Exception] | None = ValidationError
        elif actor not in (RECRUITER, HIRING_MANAGER) or current is None:
            expected = NotFound  # out of scope or unknown: 404 alike (DESIGN §8)
        elif (current.value, target) not in ALLOWED:
            expected = Conflict
        elif actor is HIRING_MANAGER and not may_move(Role.HIRING_MANAGER, current, S(target)):
            expected = Forbidden  # in scope, but not a hiring manager's decision
        elif target in NOTE_REQUIRED and reason is None:
            expected = ValidationError  # staff recording the candidate's answer must say how
        else:
            expected = None
        if expected is None:
            assert ok, value
            assert self.status(app_id) is S(target)
            if value.offer_token:
                self.offer_tokens[value.offer_token] = app_id
        else:
            assert not ok and isinstance(value, expected), (expected, value)
            assert self.status(app_id) is current

    @rule(data=st.data(), steps=st.integers(min_value=1, max_value=30))
    def progress(self, data: st.DataObject, steps: int) -> None:
        """Take legal steps along the happy path of one application, so that random runs reach
        consent, checks, pre-adverse notices and decisions. Each step must succeed."""
        if not self.apps:
            return
        app_id = data.draw(st.sampled_from(self.apps), "app")
        for _ in range(steps):
            status = self.status(app_id)
            assert status is not None
            jurisdiction = self.jurisdiction_of[app_id]
            policy = POLICY.get(jurisdiction)
            assert policy is not None
            deep: list[tuple[str, Any]] = []  # the background-check steps in flight
            shallow: list[tuple[str, Any]] = []  # moves that start something new or end the path
            if status in PRE_OFFER_NEXT:
                (shallow if status in CHECK_STATES else deep).append(("forward", PRE_OFFER_NEXT[status]))
            if status is S.OFFER_EXTENDED:
                deep.append(("answer_offer", None))
            if status in CHECK_STATES:
                shallow.append(("request", None))
                for consent in self.consents_of(app_id):
                    if consent.status is ConsentStatus.REQUESTED:
                        deep.append(("authorise", consent.id))
                    if consent.status is ConsentStatus.GIVEN:
                        started = {c.check_type for c in self.checks_of(app_id) if c.consent_id == consent.id}
                        deep.extend(
                            ("start", (consent.id, t)) for t in consent.check_types if t not in started
                        )
            for check in self.checks_of(app_id):
                if check.status is CheckStatus.IN_PROGRESS:
                    deep.append(("result", check.id))
                elif check.status is CheckStatus.CONSIDER:
                    deep.append(("pre_adverse", check.id))
                elif check.status is CheckStatus.PRE_ADVERSE:
                    deep.append(("decide", check.id))
            # Mostly keep going deeper; now and then start another consent or end the path.
            detour = not deep or data.draw(st.integers(min_value=0, max_value=7), "detour") == 0
            options = deep + shallow if detour else deep
            if not options:
                return
            # Pause now and then, leaving work in flight for the other rules to interfere with.
            if data.draw(st.integers(min_value=0, max_value=7), "pause") == 0:
                _note("progress: paused")
                return
            kind, arg = data.draw(st.sampled_from(options), "step")
            if kind == "forward":
                self.do_transition(app_id, arg)
            elif kind == "answer_offer":
                token = next(t for t, a in reversed(self.offer_tokens.items()) if a == app_id)
                accept = data.draw(st.sampled_from([True, True, True, False]), "accept")
                ok, value = self.attempt(
                    "answer_offer", workflow.answer_offer(self.deps, token, accept=accept)
                )
                assert ok, value
            elif kind == "request":
                types = data.draw(
                    st.lists(st.sampled_from(sorted(policy.allowed)), min_size=1, max_size=4), "types"
                )
                self.do_request(app_id, types)
            elif kind == "authorise":
                token = next(t for t, c in self.consent_tokens.items() if c == arg)
                ok, value = self.attempt(
                    "answer_consent",
                    consents.answer_consent(
                        self.deps, token, authorise=True, typed_name="Ada Lovelace", confirmed="true"
                    ),
                )
                assert ok, value
            elif kind == "start":
                consent_id, check_type = arg
                ok, value = self.attempt(
                    "start_check",
                    background.start_check(
                        self.deps, RECRUITER, app_id, consent_id=str(consent_id), check_type=check_type
                    ),
                )
                assert ok, value
                self.check_ids.append(value.id)
            elif kind == "result":
                satisfactory = data.draw(st.booleans(), "satisfactory")
                if policy.keep_document:
                    call = background.record_result(
                        self.deps,
                        RECRUITER,
                        arg,
                        result="clear" if satisfactory else "consider",
                        document=("report.pdf", PDF),
                    )
                else:
                    call = background.record_result(
                        self.deps, RECRUITER, arg, seen=True, satisfactory=satisfactory
                    )
                ok, value = self.attempt("record_result", call)
                assert ok, value
            elif kind == "pre_adverse":
                ok, value = self.attempt(
                    "send_pre_adverse_notice", background.send_pre_adverse_notice(self.deps, RECRUITER, arg, assessment=ANALYSIS)
                )
                assert ok, value
            else:
                respond_by = self.table("checks")[arg].respond_by
                if self.clock.now().date() <= respond_by:
                    self.clock.advance(days=(respond_by - self.clock.now().date()).days + 1)
                decision = data.draw(st.sampled_from(["proceed", "adverse"]), "decision")
                ok, value = self.attempt(
                    "decide", background.decide(self.deps, RECRUITER, arg, decision=decision)
                )
                assert ok, value

    @rule(data=st.data())
    def answer_offer(self, data: st.DataObject) -> None:
        """The candidate answers with any token: a live one, a stale one, another application's,
        a consent token (wrong kind) or garbage. Only a live offer moves."""
        pool = [*self.offer_tokens, *self.consent_tokens, "garbage.token"]
        token = data.draw(st.sampled_from(pool), "token")
        accept = data.draw(st.booleans(), "accept")
        app_id = self.offer_tokens.get(token)
        before = self.status(app_id) if app_id else None
        ok, value = self.attempt("answer_offer(any)", workflow.answer_offer(self.deps, token, accept=accept))
        if app_id is None:
            assert not ok and isinstance(value, LinkInvalid), value
        elif before is S.OFFER_EXTENDED:
            assert ok, value
            assert self.status(app_id) is (S.OFFER_ACCEPTED if accept else S.OFFER_DECLINED)
        else:
            assert not ok and isinstance(value, Conflict), value
            assert self.status(app_id) is before

    @rule(data=st.data())
    def request_consent(self, data: st.DataObject) -> None:
        """Any actor, any application, check types: lists of known, forbidden and unknown types,
        duplicates, empty lists and non-lists."""
        app_id = self.pick_app(data)
        actor = data.draw(st.sampled_from(ACTORS), "actor")
        types = data.draw(
            st.one_of(
                st.lists(st.sampled_from(TYPE_VALUES), max_size=4),
                st.lists(st.sampled_from(CHECK_TYPES), min_size=1, max_size=3),
                st.sampled_from(["criminal", None, [1], {"criminal": True}]),
            ),
            "types",
        )
        status = self.status(app_id)
        jurisdiction = self.jurisdiction_of.get(app_id)
        ok, value = self.attempt(
            "request_consent(any)", consents.request_consent(self.deps, actor, app_id, types)
        )
        if actor is not RECRUITER or status is None:
            expected: type[Exception] | None = NotFound  # the assigned recruiter's work only
        elif status not in CHECK_STATES:
            expected = Conflict
        elif not _types_ok(jurisdiction or "", types):
            expected = ValidationError
        else:
            expected = None
        if expected is None:
            assert ok, value
            consent, token = value
            assert consent.check_types == list(dict.fromkeys(types))  # type: ignore[arg-type]
            self.consent_tokens[token] = consent.id
        else:
            assert not ok and isinstance(value, expected), (expected, value)

    def consent_token(self, data: st.DataObject, prefer: ConsentStatus) -> tuple[str, UUID | None]:
        """Any token (stale, wrong kind, garbage), but often one whose consent is `prefer`."""
        consents = self.table("consents")
        pool = [*self.consent_tokens, *self.offer_tokens, "garbage.token"]
        live = [t for t, c in self.consent_tokens.items() if consents[c].status is prefer]
        if prefer is ConsentStatus.GIVEN:  # most of all, withdraw while a check is in flight
            in_flight = {c.consent_id for c in self.table("checks").values() if c.status in OPEN_CHECKS}
            live = [t for t in live if self.consent_tokens[t] in in_flight] or live
        strategy = st.sampled_from(pool)
        if live:
            strategy = st.one_of(st.sampled_from(live), strategy)
        token = data.draw(strategy, "token")
        return token, self.consent_tokens.get(token)

    @rule(data=st.data())
    def answer_consent(self, data: st.DataObject) -> None:
        """The candidate authorises or declines, with or without a typed name and the box ticked,
        through live, stale, wrong-kind or garbage tokens."""
        token, consent_id = self.consent_token(data, ConsentStatus.REQUESTED)
        authorise = data.draw(st.booleans(), "authorise")
        typed_name = data.draw(st.sampled_from(NAMES), "typed_name")
        confirmed = data.draw(st.sampled_from(CONFIRMS), "confirmed")
        consent = self.table("consents").get(consent_id) if consent_id else None
        status = self.status(consent.application_id) if consent else None
        ok, value = self.attempt(
            "answer_consent(any)",
            consents.answer_consent(
                self.deps, token, authorise=authorise, typed_name=typed_name, confirmed=confirmed
            ),
        )
        legal = (
            consent is not None
            and status in CHECK_STATES
            and consent.status is ConsentStatus.REQUESTED
            and (not authorise or (_name_ok(typed_name) and confirmed in (True, "true", "on", "yes")))
        )
        assert ok == legal, (legal, value)
        if ok:
            fresh = self.table("consents")[consent_id]
            assert fresh.status is (ConsentStatus.GIVEN if authorise else ConsentStatus.DECLINED)

    @rule(data=st.data())
    def withdraw_consent(self, data: st.DataObject) -> None:
        token, consent_id = self.consent_token(data, ConsentStatus.GIVEN)
        consent = self.table("consents").get(consent_id) if consent_id else None
        ok, value = self.attempt("withdraw_consent", consents.withdraw_consent(self.deps, token))
        assert ok == (consent is not None and consent.status is ConsentStatus.GIVEN), value
        if ok:
            assert self.table("consents")[consent_id].status is ConsentStatus.WITHDRAWN
            _note("withdraw_consent: halted checks" if value else "withdraw_consent: nothing to halt")

    @rule(data=st.data())
    def start_check(self, data: st.DataObject) -> None:
        """Any actor, application, consent id (this application's, another's, unknown, junk) and
        check type (consented, not consented, unknown, not text)."""
        app_id = self.pick_app(data)
        actor = data.draw(st.sampled_from(ACTORS), "actor")
        own = [c.id for c in self.consents_of(app_id)]
        others = list(self.table("consents"))
        consent_id = data.draw(
            st.one_of(
                st.sampled_from(own) if own else st.just(uuid4()),
                st.sampled_from(others) if others else st.just(uuid4()),
                st.sampled_from([uuid4(), "not-a-uuid", None]),
            ),
            "consent_id",
        )
        check_type = data.draw(st.sampled_from([*TYPE_VALUES, 7]), "check_type")
        consent = self.table("consents").get(consent_id) if isinstance(consent_id, UUID) else None
        status = self.status(app_id)
        ok, value = self.attempt(
            "start_check(any)",
            background.start_check(
                self.deps,
                actor,
                app_id,
                consent_id=str(consent_id) if isinstance(consent_id, UUID) else consent_id,
                check_type=check_type,
            ),
        )
        legal = (
            actor is RECRUITER
            and status in CHECK_STATES
            and consent is not None
            and consent.application_id == app_id
            and consent.status is ConsentStatus.GIVEN
            and check_type in consent.check_types
        )
        assert ok == legal, (legal, value)
        if ok:
            self.check_ids.append(value.id)
            assert self.status(app_id) is S.BACKGROUND_CHECK

    def pick_check(self, data: st.DataObject, prefer: CheckStatus) -> UUID:
        """Any check (or an unknown id), but often one in the `prefer` status."""
        strategy = st.sampled_from([*self.check_ids, uuid4()])
        live = [c.id for c in self.table("checks").values() if c.status is prefer]
        if live:
            strategy = st.one_of(st.sampled_from(live), strategy)
        return data.draw(strategy, "check")

    @rule(data=st.data())
    def record_result(self, data: st.DataObject) -> None:
        """clear / consider / junk results, a PDF, an executable, an empty file or no document;
        France with seen / satisfactory (and a document, which must be refused)."""
        check_id = self.pick_check(data, CheckStatus.IN_PROGRESS)
        actor = data.draw(st.sampled_from(ACTORS), "actor")
        result = data.draw(st.sampled_from(["clear", "consider", "maybe", None]), "result")
        document = data.draw(
            st.sampled_from([None, ("report.pdf", PDF), ("x.exe", b"MZ\x90\x00rest"), ("e.pdf", b"")]),
            "document",
        )
        seen = data.draw(st.sampled_from([None, True, "true", False]), "seen")
        satisfactory = data.draw(
            st.sampled_from([None, True, False, "true", "false", "maybe"]), "satisfactory"
        )
        before = self.table("checks").get(check_id)
        consent = self.table("consents").get(before.consent_id) if before else None
        ok, _ = self.attempt(
            "record_result(any)",
            background.record_result(
                self.deps,
                actor,
                check_id,
                result=result,
                document=document,
                seen=seen,
                satisfactory=satisfactory,
            ),
        )
        if ok:
            assert before is not None and consent is not None
            assert before.status is CheckStatus.IN_PROGRESS
            assert consent.status is ConsentStatus.GIVEN
            assert self.table("checks")[check_id].status in (CheckStatus.CLEAR, CheckStatus.CONSIDER)

    @rule(data=st.data())
    def send_pre_adverse_notice(self, data: st.DataObject) -> None:
        check_id = self.pick_check(data, CheckStatus.CONSIDER)
        actor = data.draw(st.sampled_from(ACTORS), "actor")
        before = self.table("checks").get(check_id)
        ok, _ = self.attempt(
            "send_pre_adverse_notice(any)", background.send_pre_adverse_notice(self.deps, actor, check_id, assessment=ANALYSIS)
        )
        if ok:
            assert before is not None and before.status is CheckStatus.CONSIDER
            assert self.table("checks")[check_id].status is CheckStatus.PRE_ADVERSE

    @rule(data=st.data())
    def decide(self, data: st.DataObject) -> None:
        check_id = self.pick_check(data, CheckStatus.PRE_ADVERSE)
        actor = data.draw(st.sampled_from(ACTORS), "actor")
        decision = data.draw(st.sampled_from(["proceed", "adverse", "maybe", None]), "decision")
        before = self.table("checks").get(check_id)
        ok, value = self.attempt(
            "decide(any)", background.decide(self.deps, actor, check_id, decision=decision)
        )
        if ok:
            assert before is not None and before.status is CheckStatus.PRE_ADVERSE
            assert self.clock.now().date() > before.respond_by
        elif before is not None and before.status is CheckStatus.PRE_ADVERSE and actor is RECRUITER:
            # Refused only for the waiting period or a junk decision.
            assert self.clock.now().date() <= before.respond_by or decision not in ("proceed", "adverse"), (
                value
            )

    @rule(days=st.integers(min_value=0, max_value=9), hours=st.integers(min_value=0, max_value=23))
    def advance_clock(self, days: int, hours: int) -> None:
        self.clock.advance(days=days, hours=hours)

    @rule(data=st.data())
    def add_referees(self, data: st.DataObject) -> None:
        app_id = self.pick_app(data)
        actor = data.draw(st.sampled_from(ACTORS), "actor")
        good = {"full_name": "Rita Referee", "email": "rita@example.org", "relationship": "former manager"}
        bad = {"full_name": "", "email": "not-an-email", "relationship": "x"}
        referees = data.draw(st.lists(st.sampled_from([good, good, bad]), max_size=6), "referees")
        ok, value = self.attempt("add_referees", references.add_referees(self.deps, actor, app_id, referees))
        if ok:
            assert self.status(app_id) in REFERENCE_STATES
            self.referees.extend((app_id, r.id) for r in value)

    @rule(data=st.data())
    def record_reference(self, data: st.DataObject) -> None:
        pairs = [*self.referees, (uuid4(), uuid4())]
        app_id, referee_id = data.draw(st.sampled_from(pairs), "referee")
        if data.draw(st.booleans(), "other_application") and self.apps:
            app_id = data.draw(st.sampled_from(self.apps), "app")
        actor = data.draw(st.sampled_from(ACTORS), "actor")
        answers = data.draw(st.sampled_from([{"reliable?": "yes"}, {}, "yes", {"q": 1}]), "answers")
        ok, _ = self.attempt(
            "record_reference", references.record_reference(self.deps, actor, app_id, referee_id, answers)
        )
        if ok:
            assert self.status(app_id) in REFERENCE_STATES

    # -- invariant 3 ---------------------------------------------------------------------------

    @invariant()
    def audit_chain_verifies(self) -> None:
        assert audit_chain.verify(self.repo.audit) is None

    @invariant()
    def no_background_check_before_an_accepted_offer(self) -> None:
        accepted: dict[UUID, int] = {}
        requested: dict[str, int] = {}
        given: dict[str, int] = {}
        withdrawn: dict[str, int] = {}
        started: dict[str, int] = {}
        updates: dict[str, list[Any]] = {}
        for e in self.repo.audit:
            consent = str(e.details.get("consent"))
            if e.action == "application.transitioned" and e.details.get("to") == S.OFFER_ACCEPTED.value:
                accepted.setdefault(e.application_id, e.seq)
            elif e.action == "consent.requested":
                requested[consent] = e.seq
            elif e.action == "consent.given":
                given[consent] = e.seq
            elif e.action == "consent.withdrawn":
                withdrawn[consent] = e.seq
            elif e.action == "check.started":
                started[str(e.details["check"])] = e.seq
            elif e.action == "check.updated":
                # One action for every step after the start (the audit keeps no outcome): the
                # second is the pre-adverse notice (the first is the result).
                updates.setdefault(str(e.details["check"]), []).append(e.at)

        pre_adverse_at = {key: times[1] for key, times in updates.items() if len(times) > 1}
        applications_ = self.table("applications")
        positions_ = self.table("positions")
        consents = self.table("consents")
        for consent in consents.values():
            key = str(consent.id)
            app = applications_[consent.application_id]
            jurisdiction = positions_[app.position_id].jurisdiction
            # The request came after the offer was accepted.
            assert key in requested, consent
            assert consent.application_id in accepted, ("consent without accepted offer", consent)
            assert accepted[consent.application_id] < requested[key], consent
            # Only for types the jurisdiction allows.
            assert consent.jurisdiction == jurisdiction
            assert consent.check_types and len(set(consent.check_types)) == len(consent.check_types)
            policy = POLICY.get(jurisdiction)
            assert policy is not None
            assert all(t in policy.allowed for t in consent.check_types), (jurisdiction, consent.check_types)
            # The consent's status matches its audited history.
            if consent.status in (ConsentStatus.GIVEN, ConsentStatus.WITHDRAWN):
                assert requested[key] < given[key]
            if consent.status is ConsentStatus.WITHDRAWN:
                assert given[key] < withdrawn[key]
            else:
                assert key not in withdrawn

        fr_apps = set()
        for check in self.table("checks").values():
            key = str(check.id)
            consent = consents[check.consent_id]
            ckey = str(consent.id)
            assert consent.application_id == check.application_id
            assert check.check_type in consent.check_types, (check.check_type, consent.check_types)
            # Started while the consent stood: given before, not withdrawn in between.
            assert key in started
            assert ckey in given and given[ckey] < started[key], (check, consent)
            assert not (ckey in withdrawn and withdrawn[ckey] < started[key]), (check, consent)
            assert accepted[check.application_id] < started[key]
            # A withdrawn consent leaves no open check behind.
            if consent.status is ConsentStatus.WITHDRAWN:
                assert check.status not in OPEN_CHECKS, (check, consent)
            # Decisions only after the waiting period.
            policy = POLICY.get(consent.jurisdiction)
            assert policy is not None
            if check.status in (CheckStatus.PRE_ADVERSE, CheckStatus.PROCEEDED, CheckStatus.ADVERSE):
                assert check.respond_by is not None and key in pre_adverse_at
                assert check.respond_by >= add_business_days(
                    pre_adverse_at[key], policy.waiting_business_days
                )
            if check.status in (CheckStatus.PROCEEDED, CheckStatus.ADVERSE):
                assert check.decided_at is not None
                assert check.decided_at.date() > check.respond_by, check
            if not policy.keep_document:
                fr_apps.add(check.application_id)
                assert check.record_id is None
                assert set(check.details) <= {"seen", "satisfactory"}

        background_types = (RecordType.BACKGROUND_CHECK_CONSENT, RecordType.BACKGROUND_CHECK_REPORT)
        for record in self.table("records").values():
            if record.record_type in background_types:
                assert record.application_id in accepted
            if record.record_type is RecordType.BACKGROUND_CHECK_REPORT:
                assert record.application_id not in fr_apps, "France keeps no copy of the extract"


WorkflowMachine.TestCase.settings = SETTINGS
TestWorkflowStateful = WorkflowMachine.TestCase


# -- a policy book that lacks a jurisdiction ---------------------------------------------------


def _deps(policy: PolicyBook) -> Deps:
    return Deps(
        uow=MemoryUnitOfWork(),
        vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore()),
        clock=FixedClock(),
        policy=policy,
    )


def _without(*codes: str) -> PolicyBook:
    return PolicyBook(
        version=POLICY.version,
        jurisdictions={k: v for k, v in POLICY.jurisdictions.items() if k not in codes},
    )


async def _accepted_application(deps: Deps, jurisdiction: str) -> UUID:
    position = await positions.create_position(deps, RECRUITER, title="Analyst", jurisdiction=jurisdiction)
    submitted = await applications.submit_application(
        deps,
        position_id=position.id,
        fields={
            "full_name": "Policy Gap",
            "email": "gap@example.org",
            "country": "US",
            "privacy_notice_acknowledged": "true",
        },
        cv=Upload("cv.pdf", PDF),
    )
    for state in ("screening", "interview", "reference_check"):
        await workflow.transition(deps, RECRUITER, submitted.id, to=state)
    moved = await workflow.transition(deps, RECRUITER, submitted.id, to="offer_extended")
    assert moved.offer_token
    await workflow.answer_offer(deps, moved.offer_token, accept=True)
    return submitted.id


@pytest.mark.parametrize("check_types", [["criminal"], list(CHECK_TYPES)])
def test_policy_book_without_the_jurisdiction_denies_every_request(check_types: list[str]) -> None:
    """A jurisdiction with no policy entry allows nothing (deny by default), even after an
    accepted offer; the refusal leaves no consent row and no audit event behind."""
    deps = _deps(_without("US"))

    async def run() -> None:
        app_id = await _accepted_application(deps, "US")
        repo = deps.uow.repo
        audit_before = len(repo.audit)
        with pytest.raises(ValidationError) as caught:
            await consents.request_consent(deps, RECRUITER, app_id, check_types)
        assert caught.value.code == "forbidden_check_type"
        assert caught.value.field == "check_types"
        assert not repo.state.get("consents")
        assert len(repo.audit) == audit_before

    asyncio.run(run())


def test_start_check_rechecks_the_current_policy() -> None:
    """A policy tightened after the consent was given (a new policy file, a restart) is enforced
    when the check starts (regression: start_check used to trust the consent's types alone)."""
    deps = _deps(POLICY)

    async def run() -> None:
        app_id = await _accepted_application(deps, "US")
        consent, token = await consents.request_consent(deps, RECRUITER, app_id, ["criminal", "credit"])
        await consents.answer_consent(deps, token, authorise=True, typed_name="Policy Gap", confirmed=True)
        # The policy is tightened (a new policy file, a restart): US no longer allows credit.
        us = POLICY.jurisdictions["US"]
        tightened = dict(POLICY.jurisdictions)
        tightened["US"] = dataclasses.replace(
            us,
            allowed={k: v for k, v in us.allowed.items() if k != "credit"},
            forbidden={"credit": "a new local law (test)"},
        )
        deps.policy = PolicyBook(version="2099-01-01", jurisdictions=tightened)
        repo = deps.uow.repo
        audit_before = len(repo.audit)
        with pytest.raises(ValidationError) as caught:
            await background.start_check(deps, RECRUITER, app_id, consent_id=consent.id, check_type="credit")
        assert caught.value.code == "forbidden_check_type"
        assert not repo.state.get("checks") and len(repo.audit) == audit_before
        # What the policy still allows starts as before.
        check = await background.start_check(
            deps, RECRUITER, app_id, consent_id=consent.id, check_type="criminal"
        )
        assert repo.state["checks"][check.id].check_type == "criminal"

    asyncio.run(run())


def test_withdrawal_works_when_the_jurisdiction_left_the_policy() -> None:
    """Withdrawal (GDPR Art. 7(3)) never depends on the policy; nothing new starts once the
    jurisdiction has no entry (regression: `assert policy is not None` made both a 500)."""
    deps = _deps(POLICY)

    async def run() -> None:
        app_id = await _accepted_application(deps, "IN")
        consent, token = await consents.request_consent(deps, RECRUITER, app_id, ["criminal", "identity"])
        await consents.answer_consent(deps, token, authorise=True, typed_name="Policy Gap", confirmed=True)
        check = await background.start_check(
            deps, RECRUITER, app_id, consent_id=consent.id, check_type="criminal"
        )
        deps.policy = _without("IN")
        with pytest.raises(DomainError):
            await background.start_check(
                deps, RECRUITER, app_id, consent_id=consent.id, check_type="identity"
            )
        with pytest.raises(DomainError):
            await consents.request_consent(deps, RECRUITER, app_id, ["criminal"])
        assert len(deps.uow.repo.state["checks"]) == 1
        halted = await consents.withdraw_consent(deps, token)
        assert [c.id for c in halted] == [check.id]
        assert deps.uow.repo.state["checks"][check.id].status is CheckStatus.HALTED

    asyncio.run(run())


class GatedBlobs(MemoryBlobStore):
    """Holds the upload of a background-check report until the test opens the gate, so another
    request can run while record_result waits on S3 (as it does on a real network)."""

    def __init__(self) -> None:
        super().__init__()
        self.hold = False
        self.entered = threading.Event()
        self.gate = threading.Event()

    def put(self, key: str, body: bytes, tags: Any) -> str:
        if self.hold and RecordType.BACKGROUND_CHECK_REPORT.value in key:
            self.entered.set()
            self.gate.wait(10)
        return super().put(key, body, tags)


def test_withdrawal_during_a_result_upload_keeps_the_check_halted() -> None:
    """A withdrawal that commits while a result document uploads wins: the late result is refused
    (its object discarded) and the check stays halted (regression: the stale copy was written back,
    leaving a 'consider' check under a withdrawn consent, free to go on to pre-adverse and decide)."""
    blobs = GatedBlobs()
    deps = Deps(
        uow=MemoryUnitOfWork(),
        vault=RecordVault(MemoryKeyProvider(), blobs),
        clock=FixedClock(),
        policy=POLICY,
    )

    async def run() -> None:
        app_id = await _accepted_application(deps, "US")
        consent, token = await consents.request_consent(deps, RECRUITER, app_id, ["criminal"])
        await consents.answer_consent(deps, token, authorise=True, typed_name="Policy Gap", confirmed=True)
        check = await background.start_check(
            deps, RECRUITER, app_id, consent_id=consent.id, check_type="criminal"
        )
        blobs.hold = True
        recording = asyncio.ensure_future(
            background.record_result(deps, RECRUITER, check.id, result="consider", document=("r.pdf", PDF))
        )
        for _ in range(1000):
            if blobs.entered.is_set():
                break
            await asyncio.sleep(0.005)
        assert blobs.entered.is_set()
        halted = await consents.withdraw_consent(deps, token)  # the candidate withdraws meanwhile
        assert [c.id for c in halted] == [check.id]
        blobs.gate.set()
        with pytest.raises(Conflict):
            await recording
        repo = deps.uow.repo
        assert repo.state["consents"][consent.id].status is ConsentStatus.WITHDRAWN
        assert repo.state["checks"][check.id].status is CheckStatus.HALTED
        # The late report left nothing behind: no row, no object.
        report = RecordType.BACKGROUND_CHECK_REPORT
        assert not [r for r in repo.state["records"].values() if r.record_type is report]
        assert not [k for k in blobs.objects if report.value in k]
        # And nothing can carry the halted check on.
        with pytest.raises(Conflict):
            await background.send_pre_adverse_notice(deps, RECRUITER, check.id)

    asyncio.run(run())


def test_unknown_check_id_and_stale_tokens_are_domain_errors() -> None:
    """Smoke test of the refusals the machine relies on, outside hypothesis."""
    deps = _deps(POLICY)

    async def run() -> None:
        app_id = await _accepted_application(deps, "GB")
        with pytest.raises(NotFound):
            await background.record_result(deps, RECRUITER, uuid4(), result="clear", document=("r.pdf", PDF))
        consent, token = await consents.request_consent(deps, RECRUITER, app_id, ["criminal"])
        await consents.answer_consent(deps, token, authorise=False, typed_name=None, confirmed=None)
        with pytest.raises(Conflict):
            await consents.answer_consent(
                deps, token, authorise=True, typed_name="Policy Gap", confirmed=True
            )
        with pytest.raises(Conflict):
            await consents.withdraw_consent(deps, token)
        with pytest.raises(Conflict):
            await background.start_check(
                deps, RECRUITER, app_id, consent_id=consent.id, check_type="criminal"
            )
        with pytest.raises(LinkInvalid):
            await workflow.answer_offer(deps, token, accept=True)  # a consent token is no offer token

    asyncio.run(run())


def test_the_machine_reaches_a_decision() -> None:
    """The happy path the machine's `progress` rule follows, run once deterministically, so a
    change that makes it unreachable fails here rather than silently thinning the random runs."""
    machine = WorkflowMachine()
    try:
        app_id = machine.apps[0] if machine.apps else machine.submit("US-CA")[1].id
        for target in (S.SCREENING, S.INTERVIEW, S.REFERENCE_CHECK, S.OFFER_EXTENDED):
            machine.do_transition(app_id, target)
        token = next(iter(machine.offer_tokens))
        assert machine.attempt("answer_offer", workflow.answer_offer(machine.deps, token, accept=True))[0]
        machine.do_request(app_id, ["criminal"])
        consent_token = next(iter(machine.consent_tokens))
        ok, consent = machine.attempt(
            "answer_consent",
            consents.answer_consent(
                machine.deps, consent_token, authorise=True, typed_name="Ada Lovelace", confirmed="on"
            ),
        )
        assert ok
        ok, check = machine.attempt(
            "start_check",
            background.start_check(
                machine.deps, RECRUITER, app_id, consent_id=consent.id, check_type="criminal"
            ),
        )
        assert ok
        for call in (
            background.record_result(
                machine.deps, RECRUITER, check.id, result="consider", document=("r.pdf", PDF)
            ),
            background.send_pre_adverse_notice(machine.deps, RECRUITER, check.id),
        ):
            assert machine.attempt("step", call)[0]
        respond_by = machine.table("checks")[check.id].respond_by
        machine.clock.advance(days=(respond_by - machine.clock.now().date()).days)
        assert not machine.attempt(
            "decide", background.decide(machine.deps, RECRUITER, check.id, decision="adverse")
        )[0]
        machine.clock.advance(days=1)
        assert machine.attempt(
            "decide", background.decide(machine.deps, RECRUITER, check.id, decision="adverse")
        )[0]
        machine.audit_chain_verifies()
        machine.no_background_check_before_an_accepted_offer()
        assert machine.table("checks")[check.id].status is CheckStatus.ADVERSE
    finally:
        machine.teardown()
