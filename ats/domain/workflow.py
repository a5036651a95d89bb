"""The hiring workflow as an explicit transition table (issue 3, DESIGN §9 states)."""

from __future__ import annotations

from ats.domain.errors import Conflict
from ats.domain.model import ApplicationStatus as S

# Forward moves of the hiring process. Any open state may also go to rejected or withdrawn.
FORWARD: dict[S, frozenset[S]] = {
    S.SUBMITTED: frozenset({S.SCREENING}),
    S.SCREENING: frozenset({S.INTERVIEW}),
    S.INTERVIEW: frozenset({S.REFERENCE_CHECK}),
    S.REFERENCE_CHECK: frozenset({S.OFFER_EXTENDED}),
    S.OFFER_EXTENDED: frozenset({S.OFFER_ACCEPTED, S.OFFER_DECLINED}),
    S.OFFER_ACCEPTED: frozenset({S.BACKGROUND_CHECK}),
    S.BACKGROUND_CHECK: frozenset({S.HIRED}),
}
FINAL: frozenset[S] = frozenset({S.HIRED, S.REJECTED, S.WITHDRAWN, S.OFFER_DECLINED})
OPEN: frozenset[S] = frozenset(S) - FINAL
EXITS: frozenset[S] = frozenset({S.REJECTED, S.WITHDRAWN})

TRANSITIONS: dict[S, frozenset[S]] = {
    state: FORWARD.get(state, frozenset()) | (EXITS if state in OPEN else frozenset()) for state in S
}
# States reached only after the candidate accepted an offer (invariant 3).
AFTER_ACCEPTANCE: frozenset[S] = frozenset({S.OFFER_ACCEPTED, S.BACKGROUND_CHECK, S.HIRED})


def sources_of(target: S) -> list[S]:
    return sorted((s for s, targets in TRANSITIONS.items() if target in targets), key=list(S).index)


def check_transition(current: S, target: S) -> None:
    """Raise Conflict naming the state(s) the move needs, when `current -> target` is illegal."""
    if target in TRANSITIONS[current]:
        return
    needed = sources_of(target)
    if not needed:
        need = f"no state can move to {target.value}"
    elif target in EXITS:
        need = "an open application"
    else:
        need = " or ".join(s.value for s in needed)
    raise Conflict(
        f"Cannot move from {current.value} to {target.value}: that needs {need}.",
        code="illegal_transition",
        field="to",
    )


def parse_state(value: object) -> S:
    from ats.domain.errors import ValidationError

    try:
        return S(str(value))
    except ValueError:
        raise ValidationError(
            f"Unknown state. Use one of: {', '.join(s.value for s in S)}.", field="to"
        ) from None
