"""Demo data for `ats serve --embedded` (issue 8, "Done when"): staff of every role with
assignments, one open position per jurisdiction, and a few applications at different stages.

Everything goes through the services, as a person would: positions and assignments by the demo
admin, applications through public intake (client-side encryption, tagged objects in the
emulator's S3, the outbox), moves and the consent request by the demo recruiter, all audited.
Every person is plainly made up: "Demo Candidate 1", "Demo Referee 1", addresses at
demo.example.com (RFC 2606 reserves example.com; the intake's address check refuses the
special-use .invalid), and the panel shows a "Demo data" banner in embedded mode."""

from __future__ import annotations

from dataclasses import dataclass

from ats.domain.actors import SYSTEM, staff
from ats.domain.model import ApplicationStatus, Role
from ats.services import accounts, assignments, consents, positions, workflow
from ats.services.applications import Upload, submit_application
from ats.services.deps import Deps

DEMO_DOMAIN = "demo.example.com"
DEMO_POSITIONS = [
    ("Backend Engineer (London)", "GB"),
    ("Data Analyst (Austin)", "US"),
    ("Product Designer (San Francisco)", "US-CA"),
    ("Site Reliability Engineer (New York City)", "US-NY-NYC"),
    ("Ingénieur·e logiciel (Paris)", "FR"),
    ("Support Specialist (Toronto)", "CA"),
    ("QA Engineer (Bengaluru)", "IN"),
]
# (local part, role, jurisdictions of the positions assigned)
DEMO_STAFF = [
    ("admin", Role.ADMIN, ()),
    ("recruiter.1", Role.RECRUITER, ("GB", "US", "US-NY-NYC")),
    ("recruiter.2", Role.RECRUITER, ("US-CA", "FR", "CA", "IN")),
    ("hiring.manager", Role.HIRING_MANAGER, ("GB", "US")),
    ("privacy.officer", Role.PRIVACY_OFFICER, ()),
]
S = ApplicationStatus
PATH = [S.SCREENING, S.INTERVIEW, S.REFERENCE_CHECK, S.OFFER_EXTENDED, S.OFFER_ACCEPTED]
# The stage each demo candidate of the London position is left at.
DEMO_STAGES = [S.SUBMITTED, S.SCREENING, S.INTERVIEW, S.REFERENCE_CHECK, S.OFFER_EXTENDED, S.OFFER_ACCEPTED]
DEMO_NOTE = "Demo data: recorded by the embedded seed."


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: Role
    password: str  # printed once at start, never stored in plaintext


def demo_email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def _cv(n: int) -> Upload:
    text = f"Demo Candidate {n}\nMade-up CV of the embedded demo: not a real person.\n"
    return Upload(filename=f"demo-candidate-{n}-cv.txt", data=text.encode())


async def seed_demo(deps: Deps) -> list[DemoLogin]:
    """Seed an empty database; return the demo staff's logins (passwords shown once)."""
    logins = []
    for local, role, _ in DEMO_STAFF:
        password = accounts.generate_password()
        await accounts.create_user(deps, email=demo_email(local), role=role.value, password=password, actor=SYSTEM)
        logins.append(DemoLogin(demo_email(local), role, password))
    users = {u.email: u for u in await accounts.list_users(deps, SYSTEM)}
    admin = staff(users[demo_email("admin")].id, Role.ADMIN)
    recruiter = staff(users[demo_email("recruiter.1")].id, Role.RECRUITER)

    made = {}
    for title, jurisdiction in DEMO_POSITIONS:
        made[jurisdiction] = await positions.create_position(deps, admin, title=title, jurisdiction=jurisdiction)
    for local, _, jurisdictions in DEMO_STAFF:
        for jurisdiction in jurisdictions:
            await assignments.assign(deps, admin, made[jurisdiction].id, email=demo_email(local))

    london = made["GB"]
    allowed = sorted(deps.policy.get(london.jurisdiction).allowed)  # type: ignore[union-attr]
    for n, stage in enumerate(DEMO_STAGES, start=1):
        submitted = await submit_application(
            deps,
            position_id=london.id,
            fields={
                "full_name": f"Demo Candidate {n}",
                "email": demo_email(f"candidate.{n}"),
                "country": "GB",
                "privacy_notice_acknowledged": "true",
            },
            cv=_cv(n),
            referees=[
                {
                    "full_name": f"Demo Referee {n}",
                    "email": demo_email(f"referee.{n}"),
                    "relationship": "former manager (demo)",
                }
            ],
        )
        for target in PATH[: PATH.index(stage) + 1] if stage in PATH else []:
            await workflow.transition(deps, recruiter, submitted.id, to=target.value, reason=DEMO_NOTE)
        if stage is S.OFFER_ACCEPTED:
            await consents.request_consent(deps, recruiter, submitted.id, allowed[:1])
    return logins
