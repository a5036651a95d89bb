from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T16:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox: mail written with the change that causes it (DESIGN §10)"

# Raw SQL that SQLite and PostgreSQL both accept (BLOB is spelled BYTEA on PostgreSQL).
# The partial index serves the delivery job's "pending and due" scan; both databases have
# partial indexes (SQLite since 3.8.0).
TABLE = """
CREATE TABLE IF NOT EXISTS "outbox" (
    "id" UUID PRIMARY KEY,
    "kind" VARCHAR(64) NOT NULL,
    "application_id" UUID NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "sealed" {blob} NULL,
    "app_key" BOOLEAN NOT NULL DEFAULT false,
    "status" VARCHAR(16) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ NULL,
    "finished_at" TIMESTAMPTZ NULL,
    "last_error" VARCHAR(200) NULL
)
"""
INDEXES = [
    'CREATE INDEX IF NOT EXISTS "outbox_application_id" ON "outbox" ("application_id")',
    'CREATE INDEX IF NOT EXISTS "outbox_due" ON "outbox" ("next_attempt_at") WHERE "status" = \'pending\'',
]
DROP = 'DROP TABLE IF EXISTS "outbox"'


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ats", description=DESCRIPTION)

    async def create() -> None:
        from piccolo.engine import PostgresEngine

        from storage.tables import Outbox

        blob = "BYTEA" if isinstance(Outbox._meta.db, PostgresEngine) else "BLOB"
        await Outbox.raw(TABLE.format(blob=blob)).run()
        for statement in INDEXES:
            await Outbox.raw(statement).run()

    async def drop() -> None:
        from storage.tables import Outbox

        await Outbox.raw(DROP).run()

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
