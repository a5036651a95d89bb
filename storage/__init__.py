"""Adapters: piccolo tables and repositories, the encrypted S3 object store, KMS, the emulator."""
