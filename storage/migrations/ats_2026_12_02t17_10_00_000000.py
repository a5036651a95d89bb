from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T17:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "applications: index for the pipeline page (a position's applications of one status, newest first; counts per status)"

# Raw SQL that SQLite and PostgreSQL both accept (as 06:45's index). Scanned backwards it serves
# a status-filtered keyset page, ORDER BY submitted_at DESC, id DESC; its leading columns serve
# the page's GROUP BY status count from the index alone (storage/pipeline_repository.py).
CREATE = (
    'CREATE INDEX IF NOT EXISTS "applications_position_status_page" '
    'ON "applications" ("position_id", "status", "submitted_at", "id")'
)
DROP = 'DROP INDEX IF EXISTS "applications_position_status_page"'


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
