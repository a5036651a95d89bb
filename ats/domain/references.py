"""Application references: short, unambiguous, random (they reveal no count or date)."""

import secrets

# Crockford's base32 without I, L, O, U: easy to read aloud and to type.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Changed when the notice's text changes: each application records the version it acknowledged.
# 2026-12-03: the rights paragraph (requests online, identity by mailed code, the export link).
PRIVACY_NOTICE_VERSION = "2026-12-03"


def new_reference() -> str:
    # One read of the OS's randomness, not ten; 256 is a multiple of 32, so `b % 32` is uniform.
    return "APP-" + "".join(ALPHABET[b % len(ALPHABET)] for b in secrets.token_bytes(10))
