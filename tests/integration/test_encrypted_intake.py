"""Invariants 1 and 2 against the real stack: SQLite and PostgreSQL, the emulator over HTTP."""

from __future__ import annotations

import pytest

from ats.bootstrap import Container
from ats.domain.actors import SYSTEM
from ats.domain.records import TAG_KEYS, tags_for
from ats.services import applications, positions
from ats.services.applications import Upload
from storage import crypto
from tests.helpers import pdf, sql_rows

FIELDS = {
    "full_name": "Ada Lovelace-Test",
    "email": "ada@example.com",
    "country": "GB",
    "privacy_notice_acknowledged": "true",
}
MARKER = "UNIQUE-PLAINTEXT-MARKER-7f3a"


async def _apply(c: Container, email: str = "ada@example.com", talent_pool: bool = False):
    position = await positions.create_position(c.deps, SYSTEM, title="Engineer", jurisdiction="FR")
    fields = {**FIELDS, "email": email, "talent_pool_consent": "true" if talent_pool else None}
    cv = pdf(MARKER * 50)
    submitted = await applications.submit_application(
        c.deps, position_id=position.id, fields=fields, cv=Upload("cv.pdf", cv)
    )
    records = await c.deps.uow.repo.list_records(submitted.id)
    return submitted, records, cv


async def test_object_is_ciphertext_with_kms_sse_and_complete_tags(container: Container) -> None:
    _, records, _ = await _apply(container, talent_pool=True)
    assert {r.record_type.value for r in records} == {"cv", "talent-pool-consent"}
    s3, bucket = container.s3, container.settings.ats_s3_bucket
    for record in records:
        obj = s3.get_object(Bucket=bucket, Key=record.object_key, VersionId=record.version_id)
        body = obj["Body"].read()
        assert MARKER.encode() not in body and b"ada@example.com" not in body
        assert body.startswith(crypto.MAGIC)
        assert obj["ServerSideEncryption"] == "aws:kms"
        tagset = s3.get_object_tagging(Bucket=bucket, Key=record.object_key, VersionId=record.version_id)
        tags = {t["Key"]: t["Value"] for t in tagset["TagSet"]}
        assert set(tags) == set(TAG_KEYS)
        assert tags == tags_for(record)
        # The row as stored in the database, read without the repository, says the same.
        row = sql_rows(
            container.settings.ats_database_url,
            "SELECT legal_basis, purpose, record_type, data_subject, jurisdiction, retention_rule, "
            "expires_on, application_id FROM records WHERE object_key = $1",
            record.object_key,
        )[0]
        assert list(map(str, row)) == [
            tags["legal-basis"],
            tags["purpose"],
            tags["record-type"],
            tags["data-subject"],
            tags["jurisdiction"],
            tags["retention"],
            tags["expires-on"],
            tags["application"],
        ]
    cv_record = next(r for r in records if r.record_type.value == "cv")
    assert cv_record.legal_basis.value == "legitimate-interests"
    assert cv_record.jurisdiction == "FR"
    consent = next(r for r in records if r.record_type.value == "talent-pool-consent")
    assert consent.legal_basis.value == "consent"


async def test_round_trip_decrypts_to_the_original(container: Container) -> None:
    _, records, cv = await _apply(container)
    import uuid

    from ats.domain.actors import staff
    from ats.domain.model import Role

    actor = staff(uuid.uuid4(), Role.PRIVACY_OFFICER)  # reads any position's records (DESIGN §8)
    _, content = await applications.read_document(container.deps, actor, records[0].id)
    assert content == cv
    events = await container.deps.uow.repo.list_audit()
    assert [e.action for e in events][-1] == "record.downloaded"


async def test_data_key_does_not_open_under_another_applications_context(container: Container) -> None:
    first, _, _ = await _apply(container, "one@example.com")
    second, _, _ = await _apply(container, "two@example.com")
    repo = container.deps.uow.repo
    wrapped = (await repo.get_data_key(first.id)).wrapped_key
    vault = container.deps.vault
    assert len(vault.unwrap(first.id, wrapped)) == 32
    from ats.ports import KeyAccessDenied

    with pytest.raises(KeyAccessDenied):
        vault.unwrap(second.id, wrapped)


async def test_object_copied_over_another_applications_key_fails_to_decrypt(container: Container) -> None:
    first, first_records, _ = await _apply(container, "one@example.com")
    second, second_records, _ = await _apply(container, "two@example.com")
    s3, bucket = container.s3, container.settings.ats_s3_bucket
    a, b = first_records[0], second_records[0]
    # An attacker with bucket access copies application one's CV over application two's key.
    copied = s3.copy_object(
        Bucket=bucket,
        Key=b.object_key,
        CopySource={"Bucket": bucket, "Key": a.object_key, "VersionId": a.version_id},
    )
    b.version_id = copied["VersionId"]
    vault = container.deps.vault
    key_b = vault.unwrap(second.id, (await container.deps.uow.repo.get_data_key(second.id)).wrapped_key)
    key_a = vault.unwrap(first.id, (await container.deps.uow.repo.get_data_key(first.id)).wrapped_key)
    with pytest.raises(crypto.IntegrityError):
        vault.fetch(key_b, b)  # wrong key for this ciphertext
    with pytest.raises(crypto.IntegrityError):
        vault.fetch(key_a, b)  # right key, but bound to another object key and application


async def test_a_changed_byte_fails_to_decrypt_without_s3s_crc(container: Container) -> None:
    # The app's S3 client does not ask for S3's CRC32 of a GetObject body (storage.emulator.clients):
    # AES-GCM's tag is what refuses a changed byte, so it must.
    submitted, records, _ = await _apply(container)
    s3, bucket, cv = container.s3, container.settings.ats_s3_bucket, records[0]
    assert s3.meta.config.response_checksum_validation == "when_required"
    got = s3.get_object(Bucket=bucket, Key=cv.object_key, VersionId=cv.version_id)
    assert "x-amz-checksum-crc32" not in got["ResponseMetadata"]["HTTPHeaders"]  # none asked for, none checked
    blob = bytearray(got["Body"].read())
    blob[len(blob) // 2] ^= 0x01
    cv.version_id = s3.put_object(Bucket=bucket, Key=cv.object_key, Body=bytes(blob))["VersionId"]
    vault = container.deps.vault
    key = vault.unwrap(submitted.id, (await container.deps.uow.repo.get_data_key(submitted.id)).wrapped_key)
    with pytest.raises(crypto.IntegrityError):
        vault.fetch(key, cv)
