"""Demo data for the embedded default: one open position per jurisdiction, one recruiter."""

from __future__ import annotations

from ats.domain.actors import SYSTEM
from ats.services import accounts, positions
from ats.services.deps import Deps

DEMO_POSITIONS = [
    ("Backend Engineer (London)", "GB"),
    ("Data Analyst (Austin)", "US"),
    ("Product Designer (San Francisco)", "US-CA"),
    ("Site Reliability Engineer (New York City)", "US-NY-NYC"),
    ("Ingénieur·e logiciel (Paris)", "FR"),
    ("Support Specialist (Toronto)", "CA"),
    ("QA Engineer (Bengaluru)", "IN"),
]
DEMO_RECRUITER = "recruiter@example.com"


async def seed_demo(deps: Deps) -> str:
    """Create the demo positions and recruiter; return the recruiter's one-time password."""
    for title, jurisdiction in DEMO_POSITIONS:
        await positions.create_position(deps, SYSTEM, title=title, jurisdiction=jurisdiction)
    password = accounts.generate_password()
    await accounts.create_user(deps, email=DEMO_RECRUITER, role="recruiter", password=password)
    return password
