"""Which piccolo migrations of storage/migrations have not run on the bound database, read
without changing it (piccolo's own `migrations check` creates its bookkeeping table first)."""

from __future__ import annotations

from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.tables import Migration

from storage.piccolo_app import APP_CONFIG


async def pending_migrations() -> list[str]:
    finder = BaseMigrationManager()
    modules = finder.get_migration_modules(APP_CONFIG.resolved_migrations_folder_path)
    known = finder.get_migration_ids(modules)
    if not await Migration.table_exists().run():
        return list(known)  # no migration has ever run here
    rows = await Migration.select(Migration.name).where(Migration.app_name == APP_CONFIG.app_name).run()
    ran = {row["name"] for row in rows}
    return [migration_id for migration_id in known if migration_id not in ran]
