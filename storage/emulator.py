"""The embedded S3/KMS emulator: moto's server in a child process on loopback.

Local runs talk to it over HTTP with plain boto3, so they exercise the production code path.
moto keeps objects in memory only and stores bodies as given (our client-side encryption is
what protects them), and it never runs lifecycle rules.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import boto3

from ats.settings import SettingsError

EMULATOR_REGION = "eu-west-2"
# moto accepts any credentials; fixed fake ones keep boto3 from searching the machine for real.
FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Emulator:
    process: subprocess.Popen[bytes]
    endpoint_url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


# moto[server] (with flask) and aiosmtpd are the optional `embedded` extra (pyproject.toml):
# only the embedded mode and the tests need them, so they are looked up, never imported, here.
EMBEDDED_MODULES = ("moto", "flask", "aiosmtpd")


class EmbeddedExtraMissing(SettingsError):
    """An installation problem the CLI reports like a configuration one: a message, no traceback."""


def require_embedded_extra() -> None:
    missing = []
    for name in EMBEDDED_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    if missing:
        raise EmbeddedExtraMissing(
            f"the embedded mode needs {', '.join(missing)}, from the optional 'embedded' extra: "
            "pip install -e '.[embedded]' (make run installs it)"
        )


def start_emulator(timeout: float = 30.0) -> Emulator:
    require_embedded_extra()
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the S3/KMS emulator exited at start")
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()  # noqa: S310 - http://127.0.0.1 only
            return Emulator(process=process, endpoint_url=url)
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the S3/KMS emulator did not start in time")


# The app's S3 and KMS client settings (bench.support.plain_s3_client takes them for its bare
# baselines, with boto3's default CRC check put back).
CLIENT_CONFIG = boto3.session.Config(
    max_pool_connections=32,
    retries={"mode": "standard"},
    # No CRC32 of every GetObject body (botocore's default, "when_supported"): everything this
    # app reads back is authenticated end to end by a stronger check, AES-GCM's tag over records
    # and exports (storage/vault.py; NIST SP 800-38D §7.2) and the KMS signature over audit
    # checkpoints (storage/audit_seal.py). The CRC cost about 0.35 ms of CPU per 1 MB read.
    # Puts keep their checksum: S3 checks the bytes on arrival, before our only copy is the
    # stored one.
    response_checksum_validation="when_required",
)


def clients(endpoint_url: str | None, region: str, *, emulated: bool) -> tuple[Any, Any]:
    """boto3 S3 and KMS clients; fake credentials only when talking to the emulator."""
    session = boto3.session.Session(region_name=region, **(FAKE_CREDENTIALS if emulated else {}))
    s3 = session.client("s3", endpoint_url=endpoint_url, config=CLIENT_CONFIG)
    kms = session.client("kms", endpoint_url=endpoint_url, config=CLIENT_CONFIG)
    return s3, kms


def provision(s3: Any, kms: Any, bucket: str, region: str) -> str:
    """Create a versioned bucket and a KMS key on the emulator; return the key id."""
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region}
        )
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    key = kms.create_key(Description="ats data keys", KeyUsage="ENCRYPT_DECRYPT")
    return key["KeyMetadata"]["KeyId"]


def provision_signing_key(kms: Any) -> str:
    """An asymmetric KMS key on the emulator for the audit checkpoints' signatures
    (ATS_AUDIT_SIGNING_KEY_ID; moto implements Sign and Verify for ECC_NIST_P256)."""
    key = kms.create_key(Description="ats audit checkpoints", KeyUsage="SIGN_VERIFY", KeySpec="ECC_NIST_P256")
    return key["KeyMetadata"]["KeyId"]
