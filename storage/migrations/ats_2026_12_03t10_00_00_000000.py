from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "Issue 11, the audit trail read: indexes for `ats audit list` and the panel's audit page, "
    "each filter with seq so a keyset page (seq > after ORDER BY seq LIMIT n) walks one index"
)

# Raw SQL that SQLite and PostgreSQL both accept.
STATEMENTS = [
    'CREATE INDEX IF NOT EXISTS "audit_events_application_seq" ON "audit_events" ("application_id", "seq")',
    'CREATE INDEX IF NOT EXISTS "audit_events_actor_seq" ON "audit_events" ("actor", "seq")',
    'CREATE INDEX IF NOT EXISTS "audit_events_action_seq" ON "audit_events" ("action", "seq")',
    'CREATE INDEX IF NOT EXISTS "audit_events_at" ON "audit_events" ("at")',
]
DROP = [
    'DROP INDEX IF EXISTS "audit_events_at"',
    'DROP INDEX IF EXISTS "audit_events_action_seq"',
    'DROP INDEX IF EXISTS "audit_events_actor_seq"',
    'DROP INDEX IF EXISTS "audit_events_application_seq"',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ats", description=DESCRIPTION)

    async def create() -> None:
        from storage.tables import AuditEvent

        for statement in STATEMENTS:
            await AuditEvent.raw(statement).run()

    async def drop() -> None:
        from storage.tables import AuditEvent

        for statement in DROP:
            await AuditEvent.raw(statement).run()

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
