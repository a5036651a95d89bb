from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T10:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "The privacy officer's console (issue 11): legal_holds (each hold's history: who placed and "
    "lifted it, when, and both reasons) and an index on tombstones (reference) for the receipt search"
)

# Raw SQL that SQLite and PostgreSQL both accept. The reasons are the privacy officer's words;
# rows of an erased application are purged by the daily oversight job (ats.services.stale).
STATEMENTS = [
    'CREATE TABLE IF NOT EXISTS "legal_holds" ('
    '"id" UUID PRIMARY KEY NOT NULL, '
    '"application_id" UUID NOT NULL, '
    '"reason" VARCHAR(500) NOT NULL, '
    '"placed_by" VARCHAR(100) NOT NULL, '
    '"placed_at" TIMESTAMPTZ NOT NULL, '
    '"lifted_by" VARCHAR(100) NULL, '
    '"lifted_at" TIMESTAMPTZ NULL, '
    '"lift_reason" VARCHAR(500) NULL)',
    'CREATE INDEX IF NOT EXISTS "legal_holds_application_id" ON "legal_holds" ("application_id")',
    'CREATE INDEX IF NOT EXISTS "tombstones_reference" ON "tombstones" ("reference")',
]
DROP = [
    'DROP INDEX IF EXISTS "tombstones_reference"',
    'DROP TABLE IF EXISTS "legal_holds"',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ats", description=DESCRIPTION)

    async def create() -> None:
        from storage.tables import Application

        for statement in STATEMENTS:
            await Application.raw(statement).run()

    async def drop() -> None:
        from storage.tables import Application

        for statement in DROP:
            await Application.raw(statement).run()

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
