from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T06:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "applications: index for keyset pages of a position's list, newest first"

# piccolo's columns declare single-column indexes only; this one is raw SQL that SQLite and
# PostgreSQL both accept. Scanned backwards it serves ORDER BY submitted_at DESC, id DESC.
CREATE = (
    'CREATE INDEX IF NOT EXISTS "applications_position_page" '
    'ON "applications" ("position_id", "submitted_at", "id")'
)
DROP = 'DROP INDEX IF EXISTS "applications_position_page"'


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ats", description=DESCRIPTION)

    async def create() -> None:
        from storage.tables import Application

        await Application.raw(CREATE).run()

    async def drop() -> None:
        from storage.tables import Application

        await Application.raw(DROP).run()

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
