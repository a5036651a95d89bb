from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T10:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "Follow-ups of issues 10 and 12: applications.erasure_reason (the reason kept with an erasure "
    "claim), privacy_requests.email_digest (closed requests keep a keyed hash, not the address), "
    "indexes for job_runs (job, finished_at), outbox (status) and export_links (application_id)"
)

# Raw SQL that SQLite and PostgreSQL both accept. No personal data is added: a reason code and
# an HMAC digest.
STATEMENTS = [
    'ALTER TABLE "applications" ADD COLUMN "erasure_reason" VARCHAR(32) NULL',
    'ALTER TABLE "privacy_requests" ADD COLUMN "email_digest" VARCHAR(64) NULL',
    # /metrics reads each job's latest runs, and the purge deletes old ones per job: both walk
    # this index instead of the table (the mail job alone adds ~1,440 rows a day).
    'CREATE INDEX IF NOT EXISTS "job_runs_job_finished" ON "job_runs" ("job", "finished_at")',
    # The outbox backlog gauge counts pending messages; delivered rows stay (ids and times).
    'CREATE INDEX IF NOT EXISTS "outbox_status" ON "outbox" ("status")',
    # Erasure deletes an application's export links in its batch (complete_erasures).
    'CREATE INDEX IF NOT EXISTS "export_links_application_id" ON "export_links" ("application_id")',
]
DROP = [
    'DROP INDEX IF EXISTS "export_links_application_id"',
    'DROP INDEX IF EXISTS "outbox_status"',
    'DROP INDEX IF EXISTS "job_runs_job_finished"',
    'ALTER TABLE "privacy_requests" DROP COLUMN "email_digest"',
    'ALTER TABLE "applications" DROP COLUMN "erasure_reason"',
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
