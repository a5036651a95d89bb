"""KMS through boto3: one data key per application, bound to an encryption context."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from ats.ports import DataKey, KeyAccessDenied


class KmsKeyProvider:
    def __init__(self, client: Any, key_id: str) -> None:
        self.client = client
        self.key_id = key_id

    def generate_data_key(self, context: Mapping[str, str]) -> DataKey:
        response = self.client.generate_data_key(
            KeyId=self.key_id, KeySpec="AES_256", EncryptionContext=dict(context)
        )
        return DataKey(
            plaintext=response["Plaintext"],
            wrapped=response["CiphertextBlob"],
            key_id=response["KeyId"],
        )

    def decrypt_data_key(self, wrapped: bytes, context: Mapping[str, str]) -> bytes:
        try:
            response = self.client.decrypt(
                CiphertextBlob=wrapped, EncryptionContext=dict(context), KeyId=self.key_id
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"InvalidCiphertextException", "AccessDeniedException", "IncorrectKeyException"}:
                raise KeyAccessDenied(code) from exc
            raise
        return response["Plaintext"]
