"""Readiness (GET /readyz, issue 12 item 5): is every dependency this instance needs answering
now? Liveness (/healthz) asks nothing of them: a database outage must take instances out of
the load balancer, not have them restarted."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from ats.ports_signals import Probe

log = logging.getLogger("ats.health")

# Below the kubelet's default probe timeout (1 s is its default; infra/k8s sets more) would be
# too tight for a HeadBucket over the network; a probe slower than this counts as down.
PROBE_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, str]  # probe name -> "ok" | "unreachable" | "timeout"

    @property
    def ready(self) -> bool:
        return all(v == "ok" for v in self.checks.values())

    @property
    def failing(self) -> list[str]:
        return [name for name, v in self.checks.items() if v != "ok"]


async def readiness(probes: Sequence[Probe], *, timeout: float = PROBE_TIMEOUT_SECONDS) -> Readiness:
    """Every probe at once, each within `timeout`. Failures are logged by probe name and
    exception type only: a driver's message can name hosts, users or paths."""

    async def one(probe: Probe) -> str:
        try:
            await asyncio.wait_for(probe.check(), timeout)
        except TimeoutError:
            log.warning("readiness: %s did not answer within %.1f s", probe.name, timeout)
            return "timeout"
        except Exception as exc:
            log.warning("readiness: %s unreachable (%s)", probe.name, type(exc).__name__)
            return "unreachable"
        return "ok"

    results = await asyncio.gather(*(one(p) for p in probes))
    return Readiness(dict(zip((p.name for p in probes), results, strict=True)))
