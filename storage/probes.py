"""Readiness probes (ats.ports_signals.Probe) on the real adapters: the database answers a trivial
query, the bucket answers a HeadBucket. Failures carry no detail out: /readyz names the
dependency only (a driver's message may hold a host name, a user or a path)."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import boto3.session

from storage import tables as t
from storage.emulator import FAKE_CREDENTIALS

# A probe answers within seconds or the instance is not ready: one attempt, short timeouts
# (botocore's defaults are a 60 s connect timeout and retries).
PROBE_CONFIG = boto3.session.Config(connect_timeout=2, read_timeout=2, retries={"total_max_attempts": 1})


class DatabaseProbe:
    name = "database"

    async def check(self) -> None:
        # Through the bound engine (storage.engine.bind) and, on PostgreSQL, its pool.
        await t.JobRun.raw("SELECT 1 AS ok").run()


class BucketProbe:
    """HeadBucket with a client of its own: the service's client retries for the sake of
    requests, which a probe must not wait for. HeadBucket needs only s3:ListBucket on the
    bucket (AWS S3 API reference, HeadBucket)."""

    name = "s3"

    def __init__(self, bucket: str, endpoint_url: str | None, region: str, *, emulated: bool) -> None:
        session = boto3.session.Session(region_name=region, **(FAKE_CREDENTIALS if emulated else {}))
        self.client: Any = session.client("s3", endpoint_url=endpoint_url, config=PROBE_CONFIG)
        self.bucket = bucket

    async def check(self) -> None:
        await anyio.to_thread.run_sync(lambda: self.client.head_bucket(Bucket=self.bucket))

