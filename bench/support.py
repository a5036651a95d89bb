"""What the benchmarks share: the real container, built as the app builds it, on the emulator."""

from __future__ import annotations

import contextlib
import secrets
from typing import Any

REGION = "eu-west-2"


RAISED_LIMITS = "applications=1000000/minute;privacy_requests=1000000/minute;verification_codes=1000000/minute;login=1000000/minute"


def build_container(*, database_url: str, endpoint_url: str, bucket: str, key_id: str) -> Any:
    """The composition root (ats.bootstrap.build) on the emulator's S3 and KMS; a fresh secret."""
    from ats.bootstrap import build
    from ats.settings import load_settings

    settings = load_settings(
        {},
        ats_env="development",
        ats_database_url=database_url,
        ats_s3_bucket=bucket,
        ats_s3_endpoint_url=endpoint_url,
        ats_kms_key_id=key_id,
        aws_region=REGION,
        ats_secret_key=secrets.token_urlsafe(48),
        # Every request of a benchmark comes from 127.0.0.1: the per-client limits are raised
        # (DESIGN §9: load tests on loopback raise them this way).
        ats_rate_limits=RAISED_LIMITS,
        embedded=True,
    )
    return build(settings)


def plain_s3_client(endpoint_url: str) -> Any:
    """The bare baselines' client: the app's client settings with boto3's default CRC32 check of
    every GetObject body put back (the app's own client skips it: storage.emulator.CLIENT_CONFIG)."""
    import boto3

    from storage.emulator import CLIENT_CONFIG, FAKE_CREDENTIALS

    session = boto3.session.Session(region_name=REGION, **FAKE_CREDENTIALS)
    config = CLIENT_CONFIG.merge(boto3.session.Config(response_checksum_validation="when_supported"))
    return session.client("s3", endpoint_url=endpoint_url, config=config)


def stop_server(conn: Any, process: Any) -> None:
    """Tell a server child process to stop (any message does), then make sure it has."""
    if conn is not None:
        with contextlib.suppress(BrokenPipeError, OSError):
            conn.send("stop")
    if process is not None:
        process.join(timeout=15)
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)


def start_server_child(target: Any, args: tuple[Any, ...], *, timeout: float, failed: type[Exception]) -> tuple[Any, Any, Any]:
    """Start `target(conn, *args)` in a spawned child and wait for its ("ready", ...) message.
    Returns (process, connection, message); on failure the child is stopped and `failed` raised."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=target, args=(child, *args), daemon=True)
    process.start()
    try:
        if not parent.poll(timeout):
            raise failed("the server process did not become ready")
        message = parent.recv()
        if message[0] != "ready":
            raise failed(f"the server process failed to start:\n{message[1]}")
    except BaseException:
        stop_server(parent, process)
        raise
    return process, parent, message

