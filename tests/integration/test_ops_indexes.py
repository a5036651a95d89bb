"""Indexes behind the operators' reads (migration 2026-12-03 10:30), on SQLite and PostgreSQL:
each job's latest run (/metrics, the upkeep purge) and the outbox backlog count walk an index,
not the table, whatever the tables grow to (the mail job adds ~1,440 runs a day)."""

from __future__ import annotations

from ats.bootstrap import Container
from tests.helpers import sql_rows

LATEST_RUN = (
    "SELECT started_at, finished_at, status FROM job_runs WHERE job = 'mail' AND finished_at IS NOT NULL "
    "ORDER BY finished_at DESC LIMIT 1"
)
BACKLOG = "SELECT COUNT(id), MIN(created_at) FROM outbox WHERE status = 'pending'"
WANTED = {
    "job_runs_job_finished": ("job_runs", ["job", "finished_at"]),
    "outbox_status": ("outbox", ["status"]),
    "export_links_application_id": ("export_links", ["application_id"]),
}


async def test_the_indexes_exist_and_sqlite_plans_use_them(container: Container) -> None:
    url = container.settings.ats_database_url
    for name, (table, columns) in WANTED.items():
        if url.startswith("sqlite"):
            info = sql_rows(url, f"PRAGMA index_info('{name}')")
            assert [r[2] for r in info] == columns, name
        else:
            (definition,) = sql_rows(url, "SELECT indexdef FROM pg_indexes WHERE indexname = $1", name)[0]
            assert f"ON public.{table} USING btree ({', '.join(columns)})" in definition
    if url.startswith("sqlite"):
        plan = " ".join(str(r[-1]) for r in sql_rows(url, f"EXPLAIN QUERY PLAN {LATEST_RUN}"))
        assert "job_runs_job_finished" in plan and "TEMP B-TREE" not in plan, plan
        plan = " ".join(str(r[-1]) for r in sql_rows(url, f"EXPLAIN QUERY PLAN {BACKLOG}"))
        assert "outbox_status" in plan, plan
