"""Operators' endpoints (issue 12 item 5; DESIGN §9): /healthz (liveness: the process serves),
/readyz (readiness: the database and S3 answer) and /metrics (Prometheus; not public).

/metrics exists only when ATS_METRICS_TOKEN is set, and answers only a request carrying
`Authorization: Bearer <token>` (compared in constant time); otherwise the path is unknown
(404), like any route never declared. ATS_METRICS_PORT serves the same text on a separate port
with no token, for a network only the scraper reaches (ats.web.metrics_port).
All three skip the Host check (ats.web.security.HOST_EXEMPT_PATHS): probes and scrapers come by
pod IP; none of them builds a link or returns personal data.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from ats import metrics
from ats.bootstrap import Container
from ats.ports_signals import MetricsRepository, Probe
from ats.services.health import readiness
from ats.services.signals import snapshot
from ats.web.rules import guarded, public
from jobs.runs import JOBS
from storage.memory_signals import MemoryMetrics
from storage.metrics_repository import PiccoloMetrics
from storage.probes import BucketProbe, DatabaseProbe

log = logging.getLogger("ats.metrics")


def signal_sources(container: Container) -> tuple[list[Probe], MetricsRepository]:
    """The probes and the metrics reader of this container's adapters (a container built on
    in-memory fakes, in tests, has no database to probe)."""
    settings = container.settings
    probes: list[Probe] = []
    if container.engine is not None:
        probes.append(DatabaseProbe())
    probes.append(
        BucketProbe(settings.ats_s3_bucket, settings.ats_s3_endpoint_url, settings.aws_region, emulated=settings.embedded)
    )
    reader = PiccoloMetrics() if container.engine is not None else MemoryMetrics(container.deps.uow.repo)
    return probes, reader


def scraper(container: Container, reader: MetricsRepository) -> Callable[[], Awaitable[list[metrics.Gauge]]]:
    """The database figures of one scrape, as gauges. A database that does not answer leaves
    the counters served and says so in a gauge."""

    async def gauges() -> list[metrics.Gauge]:
        try:
            taken = await snapshot(reader, container.deps.clock.now(), JOBS)
        except Exception as exc:
            log.warning("metrics: database figures unavailable (%s)", type(exc).__name__)
            return [metrics.Gauge("ats_metrics_database_ok", metrics.DB_OK_HELP, [({}, 0.0)])]
        return [metrics.Gauge("ats_metrics_database_ok", metrics.DB_OK_HELP, [({}, 1.0)]), *metrics.gauges_of(taken)]

    return gauges


def routes(container: Container) -> list[BaseRoute]:
    probes, reader = signal_sources(container)
    scrape = scraper(container, reader)
    token = container.settings.ats_metrics_token

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        result = await readiness(probes)
        body = {"status": "ready" if result.ready else "not ready", "checks": result.checks}
        return JSONResponse(body, status_code=200 if result.ready else 503, headers={"cache-control": "no-store"})

    async def metrics_endpoint(request: Request) -> Response:
        assert token is not None  # the route exists only with a token
        given = request.headers.get("authorization", "")
        scheme, _, credentials = given.partition(" ")
        # Constant-time comparison of the bearer token (RFC 6750 §2.1 header form).
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            credentials.strip().encode(), token.get_secret_value().encode()
        ):
            return JSONResponse(
                {"error": {"code": "unauthorized", "message": "Send the metrics token as a bearer token.", "field": None}},
                status_code=401,
                headers={"www-authenticate": 'Bearer realm="metrics"'},
            )
        return Response(metrics.exposition(await scrape()), media_type=CONTENT_TYPE_LATEST, headers={"cache-control": "no-store"})

    declared = [
        guarded("/healthz", healthz, rule=public("liveness")),
        guarded("/readyz", readyz, rule=public("readiness: names failing dependencies only, no data")),
    ]
    if token is not None:
        declared.append(
            guarded("/metrics", metrics_endpoint, rule=public("operators' metrics: bearer ATS_METRICS_TOKEN, checked here"))
        )
    return declared


@contextlib.asynccontextmanager
async def metrics_port(container: Container) -> AsyncIterator[None]:
    """While the app (or `ats jobs run`) runs: ATS_METRICS_PORT's server, when set. Its thread
    reads the database figures on this event loop, where the engine's connections live."""
    port = container.settings.ats_metrics_port
    if port is None:
        yield
        return
    loop = asyncio.get_running_loop()
    gauges = scraper(container, signal_sources(container)[1])

    def fetch() -> list[metrics.Gauge]:
        return asyncio.run_coroutine_threadsafe(gauges(), loop).result(timeout=10)

    stop = metrics.serve_port(port, fetch)
    try:
        yield
    finally:
        stop()
