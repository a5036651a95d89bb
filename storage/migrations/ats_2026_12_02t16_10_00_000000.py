from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T16:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "persons: email no longer unique (one contact row per application), indexed instead"

# Issue 9 #10: a public form must never attach a stranger's upload to an existing person, so
# every application gets its own contact row and the same email may appear on several rows.
# PostgreSQL names a column's UNIQUE constraint <table>_<column>_key. SQLite cannot drop a
# column constraint: the table is rebuilt (sqlite.org/lang_altertable.html#otheralter), with
# the column types piccolo declared (its converters read them). No foreign key names persons.
POSTGRES = [
    'ALTER TABLE "persons" DROP CONSTRAINT IF EXISTS "persons_email_key"',
    'CREATE INDEX IF NOT EXISTS "persons_email" ON "persons" ("email")',
]
SQLITE = [
    'CREATE TABLE "persons_new" ("id" UUID PRIMARY KEY NOT NULL, "email" VARCHAR(254) NOT NULL DEFAULT \'\', '
    '"full_name" VARCHAR(200) NOT NULL DEFAULT \'\', "phone" VARCHAR(40) DEFAULT null, '
    '"country" VARCHAR(2) NOT NULL DEFAULT \'\', "created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)',
    'INSERT INTO "persons_new" ("id", "email", "full_name", "phone", "country", "created_at") '
    'SELECT "id", "email", "full_name", "phone", "country", "created_at" FROM "persons"',
    'DROP TABLE "persons"',
    'ALTER TABLE "persons_new" RENAME TO "persons"',
    'CREATE INDEX IF NOT EXISTS "persons_email" ON "persons" ("email")',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ats", description=DESCRIPTION)

    async def run() -> None:
        from piccolo.engine import PostgresEngine

        from storage.tables import Person

        statements = POSTGRES if isinstance(Person._meta.db, PostgresEngine) else SQLITE
        for statement in statements:
            await Person.raw(statement).run()

    manager.add_raw(run)
    return manager
