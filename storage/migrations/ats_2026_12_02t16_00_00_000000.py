from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T16:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "api_tokens: an id, an expiry, revocation and a last-four hint (token lifecycle)"

# Raw SQL that SQLite and PostgreSQL both accept. The declared types UUID and TIMESTAMPTZ are the
# names piccolo's SQLite engine registers converters for, so the values read back typed.
FORWARDS = [
    'ALTER TABLE "api_tokens" ADD COLUMN "token_id" UUID',
    'ALTER TABLE "api_tokens" ADD COLUMN "expires_at" TIMESTAMPTZ',
    'ALTER TABLE "api_tokens" ADD COLUMN "revoked_at" TIMESTAMPTZ',
    "ALTER TABLE \"api_tokens\" ADD COLUMN \"hint\" VARCHAR(4) NOT NULL DEFAULT ''",
    'CREATE UNIQUE INDEX IF NOT EXISTS "api_tokens_token_id" ON "api_tokens" ("token_id")',
]
BACKWARDS = [
    'DROP INDEX IF EXISTS "api_tokens_token_id"',
    'ALTER TABLE "api_tokens" DROP COLUMN "hint"',
    'ALTER TABLE "api_tokens" DROP COLUMN "revoked_at"',
    'ALTER TABLE "api_tokens" DROP COLUMN "expires_at"',
    'ALTER TABLE "api_tokens" DROP COLUMN "token_id"',
]
EXISTING_DAYS = 90  # tokens issued before expiries existed get the default lifetime from creation


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ats", description=DESCRIPTION)

    async def create() -> None:
        from datetime import timedelta
        from uuid import uuid4

        from storage.tables import ApiToken

        for statement in FORWARDS:
            await ApiToken.raw(statement).run()
        # Tokens issued before this migration: an id to name them by and an expiry (a few rows;
        # uuid generation differs between the two databases, so it is done here).
        rows = await ApiToken.raw('SELECT "token_hash", "created_at" FROM "api_tokens"').run()
        for row in rows:
            await ApiToken.raw(
                'UPDATE "api_tokens" SET "token_id" = {}, "expires_at" = {} WHERE "token_hash" = {}',
                uuid4(),
                row["created_at"] + timedelta(days=EXISTING_DAYS),
                row["token_hash"],
            ).run()

    async def drop() -> None:
        from storage.tables import ApiToken

        for statement in BACKWARDS:
            await ApiToken.raw(statement).run()

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
