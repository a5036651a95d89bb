"""The piccolo app: tables and timestamped migrations (run by `ats db migrate`)."""

import os

from piccolo.conf.apps import AppConfig

from storage.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="ats",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "migrations"),
    table_classes=TABLES,
    migration_dependencies=[],
    commands=[],
)
