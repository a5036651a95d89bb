from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "privacy_requests: data-subject requests with their codes and due dates (DESIGN §11)"

# Raw SQL that SQLite and PostgreSQL both accept (as the outbox's migration). The index on the
# due dates serves the privacy officer's queue (soonest first).
TABLE = """
CREATE TABLE IF NOT EXISTS "privacy_requests" (
    "id" UUID PRIMARY KEY,
    "kind" VARCHAR(32) NOT NULL,
    "status" VARCHAR(32) NOT NULL,
    "email" VARCHAR(254) NOT NULL,
    "reference" VARCHAR(20) NULL,
    "details" VARCHAR(2000) NULL,
    "received_at" TIMESTAMPTZ NOT NULL,
    "code_hash" VARCHAR(64) NULL,
    "code_expires_at" TIMESTAMPTZ NULL,
    "tries" INTEGER NOT NULL DEFAULT 0,
    "verified_at" TIMESTAMPTZ NULL,
    "due_on" DATE NULL,
    "extended_due_on" DATE NULL,
    "extension_reason" VARCHAR(1000) NULL,
    "applications" VARCHAR(4000) NOT NULL DEFAULT '',
    "jurisdictions" VARCHAR(200) NOT NULL DEFAULT '',
    "decision" VARCHAR(16) NULL,
    "decision_reason" VARCHAR(1000) NULL,
    "decided_at" TIMESTAMPTZ NULL,
    "decided_by" VARCHAR(200) NULL
)
"""
INDEXES = [
    'CREATE INDEX IF NOT EXISTS "privacy_requests_status" ON "privacy_requests" ("status", "due_on")',
]
DROP = 'DROP TABLE IF EXISTS "privacy_requests"'


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ats", description=DESCRIPTION)

    async def create() -> None:
        from storage.tables import PrivacyRequest

        await PrivacyRequest.raw(TABLE).run()
        for statement in INDEXES:
            await PrivacyRequest.raw(statement).run()

    async def drop() -> None:
        from storage.tables import PrivacyRequest

        await PrivacyRequest.raw(DROP).run()

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
