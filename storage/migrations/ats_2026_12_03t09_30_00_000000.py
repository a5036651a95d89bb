from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T09:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "job_leases: one row per scheduled job, so several `ats jobs run` replicas run each job once per slot; job_runs.holder: which replica ran"

# Raw SQL that SQLite and PostgreSQL both accept. The lease is taken with one conditional
# upsert on the primary key (storage/lease_repository.py), so the table needs no other index.
TABLE = """
CREATE TABLE IF NOT EXISTS "job_leases" (
    "job" VARCHAR(32) PRIMARY KEY,
    "holder" VARCHAR(200) NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL
)
"""
HOLDER = 'ALTER TABLE "job_runs" ADD COLUMN "holder" VARCHAR(200) NULL'
DROP = ['ALTER TABLE "job_runs" DROP COLUMN "holder"', 'DROP TABLE IF EXISTS "job_leases"']


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="ats", description=DESCRIPTION)

    async def create() -> None:
        from storage.tables import JobRun

        await JobRun.raw(TABLE).run()
        await JobRun.raw(HOLDER).run()

    async def drop() -> None:
        from storage.tables import JobRun

        for statement in DROP:
            await JobRun.raw(statement).run()

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
