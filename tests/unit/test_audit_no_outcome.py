"""The audit trail carries no background-check outcome (issue 11 item 3; UK GDPR Art. 10): every
event of a full flow (consent requested and given, check started, result 'consider', the
pre-adverse notice mailed, the candidate opening their copy of the report, the adverse decision
mailed with the rejection) is read, and no outcome word appears in any action or detail; the
candidate's link pages and the background-check overview are audited reads."""

from __future__ import annotations

import json
import re

from ats.domain.actors import staff
from ats.domain.model import Role
from ats.services import background, mail
from tests.unit.test_background_mail import RECRUITER, considered, make, sent

OUTCOME = re.compile(r"consider|adverse|notice|clear|proceed|decid|satisf|conviction|offen[cs]e|result", re.I)


def texts(deps) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        f"{e.actor} {e.action} {json.dumps(e.details, sort_keys=True)}"
        for e in deps.uow.repo.audit  # type: ignore[attr-defined]
    ]


async def test_a_full_adverse_flow_leaves_no_outcome_in_the_audit_trail() -> None:
    deps, clock = make()
    submitted, check = await considered(deps, "US")
    before = len(sent(deps))
    await background.send_pre_adverse_notice(deps, RECRUITER, check.id)
    [notice] = sent(deps)[before:]
    link = next(line for line in notice.body.splitlines() if line.startswith("https://jobs.example.com/report/"))
    await background.report_for_candidate(deps, link.rpartition("/")[2])
    clock.advance(days=8)
    await background.decide(deps, RECRUITER, check.id, decision="adverse")
    await mail.deliver(deps)
    await background.overview(deps, RECRUITER, submitted.id)
    events = texts(deps)
    assert any("mail.delivered" in t for t in events)  # the notices' delivery is in the trail
    assert "candidate candidate_link.viewed {}" in events  # the report read, without the record
    assert any(t.endswith("background.viewed {}") for t in events)
    leaking = [t for t in events if OUTCOME.search(t.split(" ", 1)[1])]
    assert leaking == []


async def test_candidate_reads_and_the_overview_are_one_event_each() -> None:
    deps, _ = make()
    submitted, _check = await considered(deps, "GB")
    officer = staff(RECRUITER.user_id, Role.RECRUITER)  # type: ignore[arg-type]
    count = len(deps.uow.repo.audit)  # type: ignore[attr-defined]
    await background.overview(deps, officer, submitted.id)
    [event] = deps.uow.repo.audit[count:]  # type: ignore[attr-defined]
    assert (event.action, event.application_id, event.details) == ("background.viewed", submitted.id, {})
