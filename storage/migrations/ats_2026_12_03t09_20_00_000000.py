from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T09:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "applications.restricted_at: restriction of processing at the candidate's request (GDPR Art. 18)"

# Raw SQL that SQLite and PostgreSQL both accept. A nullable column with no default: adding it
# rewrites no row on either database.
ADD = 'ALTER TABLE "applications" ADD COLUMN "restricted_at" TIMESTAMPTZ NULL'
DROP = 'ALTER TABLE "applications" DROP COLUMN "restricted_at"'


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ats", description=DESCRIPTION)

    async def add() -> None:
        from storage.tables import Application

        await Application.raw(ADD).run()

    async def drop() -> None:
        from storage.tables import Application

        await Application.raw(DROP).run()

    manager.add_raw(add)
    manager.add_raw_backwards(drop)
    return manager
