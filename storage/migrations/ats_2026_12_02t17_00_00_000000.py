from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "position_assignments: staff assigned to positions (DESIGN §8, need to know)"

# Raw SQL that SQLite and PostgreSQL both accept. The unique index on (position_id, user_id)
# is what every scope check reads (one index lookup: is this user assigned to this position?)
# and keeps an assignment single; the user_id index serves "the positions assigned to me".
TABLE = """
CREATE TABLE IF NOT EXISTS "position_assignments" (
    "id" UUID PRIMARY KEY,
    "position_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "assigned_at" TIMESTAMPTZ NOT NULL
)
"""
INDEXES = [
    'CREATE UNIQUE INDEX IF NOT EXISTS "position_assignments_position_user" '
    'ON "position_assignments" ("position_id", "user_id")',
    'CREATE INDEX IF NOT EXISTS "position_assignments_user_id" ON "position_assignments" ("user_id")',
]
DROP = 'DROP TABLE IF EXISTS "position_assignments"'


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ats", description=DESCRIPTION)

    async def create() -> None:
        from storage.tables import PositionAssignment

        await PositionAssignment.raw(TABLE).run()
        for statement in INDEXES:
            await PositionAssignment.raw(statement).run()

    async def drop() -> None:
        from storage.tables import PositionAssignment

        await PositionAssignment.raw(DROP).run()

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
