from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T09:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "export_links: the single-use marker of a data-subject export's download link (DESIGN §11)"

# Raw SQL that SQLite and PostgreSQL both accept. Ids and times only: no personal data.
TABLE = """
CREATE TABLE IF NOT EXISTS "export_links" (
    "id" UUID PRIMARY KEY,
    "record_id" UUID NOT NULL,
    "application_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "used_at" TIMESTAMPTZ NULL
)
"""
INDEXES = [
    'CREATE INDEX IF NOT EXISTS "export_links_record_id" ON "export_links" ("record_id")',
    # The 7-day purge finds export records by type and age.
    'CREATE INDEX IF NOT EXISTS "records_type_created" ON "records" ("record_type", "created_at")',
]
DROP = ['DROP INDEX IF EXISTS "records_type_created"', 'DROP TABLE IF EXISTS "export_links"']


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ats", description=DESCRIPTION)

    async def create() -> None:
        from storage.tables import ExportLink

        await ExportLink.raw(TABLE).run()
        for statement in INDEXES:
            await ExportLink.raw(statement).run()

    async def drop() -> None:
        from storage.tables import ExportLink

        for statement in DROP:
            await ExportLink.raw(statement).run()

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
