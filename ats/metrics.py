"""Prometheus metrics (prometheus-client), on a registry of our own (not the library's global
one, so nothing another library registers is exposed by accident).

Two kinds, and what they mean with several processes (replicas, `ats jobs run` beside
`ats serve`):
- counters and the job-duration histogram count what happened IN THIS PROCESS since it started
  (intake in the web process that took the request, job outcomes in the process that ran the
  job); Prometheus sums them across instances with `sum(rate(...))`;
- gauges are read from the database at scrape time (ats.services.signals), so they are global:
  every instance answers the same figures, which are aggregated with max(), not sum().

No label ever carries personal data or an application id: labels are fixed vocabularies (job
names, refusal codes, expiry outcomes), pre-declared below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:  # a type only: ats.services.signals need not load with the counters
    from ats.services.signals import Snapshot

REGISTRY = CollectorRegistry(auto_describe=True)
DB_OK_HELP = "1 when this scrape read the database figures (the gauges below), 0 when it could not."

# The refusal codes of an uploaded file (ats.domain.uploads, ats.domain.upload_messages, and
# "missing" for a required CV left out). Anything else is counted as "other".
UPLOAD_REFUSALS = ("empty", "too_large", "unsupported_type", "active_content", "missing")
# The expiry report's outcomes (ats.services.expiry.ExpiryReport, DESIGN §9 `ats jobs expire`).
EXPIRY_OUTCOMES = ("erased", "held", "restricted", "failed")
JOB_STATUSES = ("ok", "failed", "error")

APPLICATIONS = Counter(
    "ats_applications_received",
    "Applications stored by this process (duplicates not counted).",
    registry=REGISTRY,
)
UPLOADS_REFUSED = Counter(
    "ats_uploads_refused",
    "Uploaded files refused by this process, by refusal code.",
    ["reason"],
    registry=REGISTRY,
)
JOB_RUNS = Counter(
    "ats_job_runs",
    "Job runs finished in this process, by job and status.",
    ["job", "status"],
    registry=REGISTRY,
)
JOB_DURATION = Histogram(
    "ats_job_duration_seconds",
    "Duration of job runs in this process.",
    ["job"],
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
    registry=REGISTRY,
)
EXPIRY = Counter(
    "ats_expiry_applications",
    "Applications the expiry job erased, held, restricted or failed on, in this process.",
    ["outcome"],
    registry=REGISTRY,
)
for _reason in (*UPLOAD_REFUSALS, "other"):
    UPLOADS_REFUSED.labels(_reason)
for _outcome in EXPIRY_OUTCOMES:
    EXPIRY.labels(_outcome)


def application_received() -> None:
    APPLICATIONS.inc()


def upload_refused(code: str) -> None:
    UPLOADS_REFUSED.labels(code if code in UPLOAD_REFUSALS else "other").inc()


def job_finished(job: str, status: str, seconds: float, counts: Mapping[str, object]) -> None:
    """A recorded job run ended (jobs.runs.recorded): its status, duration and, for expiry,
    the report's counts."""
    JOB_RUNS.labels(job, status if status in JOB_STATUSES else "error").inc()
    JOB_DURATION.labels(job).observe(max(0.0, seconds))
    if job == "expire" and not counts.get("dry_run"):
        for outcome in EXPIRY_OUTCOMES:
            value = counts.get(outcome)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                EXPIRY.labels(outcome).inc(value)


@dataclass(frozen=True)
class Gauge:
    name: str
    help: str
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)


class _Gauges(Collector):
    def __init__(self, gauges: Iterable[Gauge]) -> None:
        self.gauges = list(gauges)

    def collect(self) -> Iterable[Metric]:
        for gauge in self.gauges:
            labels = sorted({k for sample, _ in gauge.samples for k in sample})
            family = GaugeMetricFamily(gauge.name, gauge.help, labels=labels or None)
            for sample, value in gauge.samples:
                if labels:
                    family.add_metric([sample.get(k, "") for k in labels], value)
                else:
                    family.add_metric([], value)
            yield family


def exposition(gauges: Iterable[Gauge] = ()) -> bytes:
    """The Prometheus text format (prometheus_client.CONTENT_TYPE_LATEST): this process's counters, then the
    gauges read from the database for this scrape."""
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(_Gauges(gauges))
    return generate_latest(REGISTRY) + generate_latest(scrape)


def gauges_of(snapshot: Snapshot) -> list[Gauge]:
    """The database figures of one scrape (ats.services.signals) as gauges."""
    jobs = snapshot.jobs
    expire = next((j for j in jobs if j.job == "expire"), None)
    oldest = snapshot.outbox.oldest_created_at
    return [
        Gauge(
            "ats_privacy_requests_open",
            "Data-subject requests open (identity verified, not yet decided).",
            [({}, snapshot.requests.open)],
        ),
        Gauge(
            "ats_privacy_requests_overdue",
            "Open data-subject requests past their current due date.",
            [({}, snapshot.requests.overdue)],
        ),
        Gauge(
            "ats_outbox_pending_messages",
            "Mail waiting in the outbox for delivery (all processes).",
            [({}, snapshot.outbox.pending)],
        ),
        Gauge(
            "ats_outbox_oldest_pending_age_seconds",
            "Age of the oldest undelivered message (0 when none).",
            [({}, max(0.0, (snapshot.at - oldest).total_seconds()) if oldest else 0.0)],
        ),
        Gauge(
            "ats_job_last_success_timestamp_seconds",
            "End of each job's latest successful run (Unix time).",
            [({"job": j.job}, j.last_success_at.timestamp()) for j in jobs if j.last_success_at],
        ),
        Gauge(
            "ats_job_last_duration_seconds",
            "Duration of each job's latest finished run.",
            [({"job": j.job}, j.last_duration_seconds) for j in jobs if j.last_duration_seconds is not None],
        ),
        Gauge(
            "ats_job_last_run_ok",
            "1 when each job's latest finished run succeeded, else 0.",
            [({"job": j.job}, 1.0 if j.last_status == "ok" else 0.0) for j in jobs if j.last_status],
        ),
        Gauge(
            "ats_expiry_last_run_applications",
            "What the latest finished expiry run erased, held, restricted, failed.",
            [({"outcome": o}, float(expire.last_counts.get(o, 0))) for o in EXPIRY_OUTCOMES]
            if expire and expire.last_status
            else [],
        ),
    ]


class _Everything(Collector):
    """This process's counters and the gauges `fetch` reads, for the separate metrics port."""

    def __init__(self, fetch: Callable[[], list[Gauge]]) -> None:
        self.fetch = fetch

    def collect(self) -> Iterable[Metric]:
        yield from REGISTRY.collect()
        yield from _Gauges(self.fetch()).collect()


def serve_port(port: int, fetch: Callable[[], list[Gauge]], *, addr: str = "0.0.0.0") -> Callable[[], None]:  # noqa: S104
    """ATS_METRICS_PORT: the same metrics on a port of their own (prometheus-client's threaded
    HTTP server), no token: expose the port only to the scraper's network. Returns `stop`."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Everything(fetch))
    server, thread = start_http_server(port, addr=addr, registry=registry)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
