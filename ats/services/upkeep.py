"""The daily upkeep (jobs/scheduler.py): what the tables would otherwise keep for ever.

- **Job runs** (`job_runs`): the mail job alone adds ~1,440 rows a day. Runs older than
  JOB_RUNS_KEPT are deleted, except each job's latest finished run and latest successful run,
  which /metrics and the dashboard read (ats.ports_signals.JobStat). They hold counts and ids,
  no personal data: the period is an operator's window for looking back at failures.
- **Data-subject requests** (`privacy_requests`): a case whose answer is given keeps the
  requester's address only REQUEST_EMAIL_KEPT after it ended (decided, or received when never
  verified). Then the address is replaced by a keyed digest (HMAC-SHA256, its key derived from
  ATS_SECRET_KEY) and the free-text details dropped; kind, dates, due dates, decision and
  reason stay. Why keep anything: accountability (GDPR Art. 5(2)); the ICO's right-of-access
  guidance expects a controller to log the requests it receives and how it answered them. Why
  not the address: storage limitation (Art. 5(1)(e)); the digest still lets a privacy officer
  confirm that a given address made a request (hash the address they are given), which is what
  a later complaint needs, without the table holding a readable address. 90 days covers the
  window in which the ICO asks people to complain to it ("within three months of your last
  contact with the organisation":
  https://ico.org.uk/make-a-complaint/data-protection-complaints/what-to-expect/), while the
  case is fresh.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import timedelta

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ats.domain.actors import SYSTEM
from ats.services.deps import Deps

JOB_RUNS_KEPT = timedelta(days=30)
REQUEST_EMAIL_KEPT = timedelta(days=90)
BATCH = 500


@dataclass
class UpkeepReport:
    job_runs_deleted: int = 0
    requests_pseudonymised: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "job_runs_deleted": self.job_runs_deleted,
            "requests_pseudonymised": self.requests_pseudonymised,
            "failed": 0,
            "errors": self.errors,
        }


def digest_key(code_key: bytes) -> bytes:
    """A key for address digests only, derived from the request desk's key (itself HKDF from
    ATS_SECRET_KEY): HKDF-SHA256 with its own `info` (RFC 5869 §3.2), so neither key reveals
    the other."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ats privacy-request email digest v1").derive(
        code_key
    )


def email_digest(key: bytes, email: str) -> str:
    """The keyed digest kept instead of a (normalised) address: HMAC-SHA256, hex."""
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


async def run(deps: Deps) -> UpkeepReport:
    report = UpkeepReport()
    now = deps.clock.now()
    async with deps.uow.transaction() as tx:
        report.job_runs_deleted = await tx.purge_job_runs(now - JOB_RUNS_KEPT)
    key = digest_key(deps.requests.code_key)
    while True:
        due = await deps.uow.repo.requests_to_pseudonymise(now - REQUEST_EMAIL_KEPT, BATCH)
        if not due:
            return report
        async with deps.uow.transaction() as tx:
            for request_id, email in due:
                await tx.pseudonymise_request(request_id, email_digest(key, email))
            await tx.append_audit(
                [deps.event(SYSTEM, "privacy_request.email_pseudonymised", details={"request": str(i)}) for i, _ in due]
            )
        report.requests_pseudonymised += len(due)
        if len(due) < BATCH:
            return report
