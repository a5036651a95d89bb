from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T10:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "Issue 11, retention per record type (DESIGN §12): records.expires_at (the record's own "
    "expiry, from the retention table) and records.location (where its object is stored: the "
    "bucket's region), with an index for the record expiry"
)

# Raw SQL that SQLite and PostgreSQL both accept (declared types as in 2026-12-02 16:00). No
# personal data is added: a date and a region name.
STATEMENTS = [
    'ALTER TABLE "records" ADD COLUMN "expires_at" TIMESTAMPTZ NULL',
    "ALTER TABLE \"records\" ADD COLUMN \"location\" VARCHAR(32) NOT NULL DEFAULT ''",
    # Until now every record followed its application's rule: that date is its expiry. The
    # hourly retag job then moves each record whose rule in the table differs to that rule
    # (ats.services.retention.retag), S3 tags first.
    'UPDATE "records" SET "expires_at" = (SELECT "retention_until" FROM "applications" '
    'WHERE "applications"."id" = "records"."application_id") WHERE "expires_at" IS NULL',
    'CREATE INDEX IF NOT EXISTS "records_expires_at" ON "records" ("expires_at")',
]
DROP = [
    'DROP INDEX IF EXISTS "records_expires_at"',
    'ALTER TABLE "records" DROP COLUMN "location"',
    'ALTER TABLE "records" DROP COLUMN "expires_at"',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ats", description=DESCRIPTION)

    async def create() -> None:
        from storage.tables import Record

        for statement in STATEMENTS:
            await Record.raw(statement).run()

    async def drop() -> None:
        from storage.tables import Record

        for statement in DROP:
            await Record.raw(statement).run()

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
