"""Application references: short, unambiguous, random (they reveal no count or date)."""

import secrets

# Crockford's base32 without I, L, O, U: easy to read aloud and to type.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PRIVACY_NOTICE_VERSION = "2026-11-22"


def new_reference() -> str:
    return "APP-" + "".join(secrets.choice(ALPHABET) for _ in range(10))
