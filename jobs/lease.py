"""Which replica runs a scheduled job: slots and leases (issue 12: scale-out).

Time is cut into slots aligned on the Unix epoch (an hourly job's slots start on the hour, a
daily job's at 00:00 UTC). A replica runs a job only after taking its lease for the current slot
(ats.ports_leases: one conditional upsert), and the lease lasts until the slot ends, so however
many replicas run `ats jobs run`, each job runs once per slot. The lease is not released when
the run ends: the slot is spent. A replica that dies mid-run keeps its slot; the lease lapses at
the slot's end and whichever replica asks first takes the next one. A run longer than its slot
may overlap the next slot's run on another replica: every job claims its rows (expiry and mail:
FOR UPDATE SKIP LOCKED on PostgreSQL, an immediate transaction on SQLite), so that is safe.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import UTC, datetime, timedelta

from ats.services.deps import Deps

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def slot_of(now: datetime, every: timedelta) -> tuple[datetime, datetime]:
    """The slot of length `every` that holds `now`: [start, end)."""
    start = EPOCH + every * ((now - EPOCH) // every)
    return start, start + every


def replica_name() -> str:
    """This process, as job runs and leases name it: host (the pod's name on Kubernetes), pid, and
    a random suffix so that a restarted process with a recycled pid is a different holder."""
    return f"{socket.gethostname()[:150]}:{os.getpid()}:{secrets.token_hex(3)}"


async def take(deps: Deps, job: str, every: timedelta, holder: str) -> bool:
    """Take `job`'s lease for the current slot; True when this replica is to run it."""
    now = deps.clock.now()
    _, end = slot_of(now, every)
    async with deps.uow.transaction() as tx:
        return await tx.take_lease(job, holder, now=now, until=end)  # type: ignore[attr-defined]
