"""Piccolo's configuration module (PICCOLO_CONF=storage.piccolo_conf).

`DB` stays None until `storage.engine.bind()` sets it from the composition root, so the engine
is built once, from settings, and never from a second reading of the environment.
"""

from piccolo.conf.apps import AppRegistry
from piccolo.engine import Engine

APP_REGISTRY = AppRegistry(apps=["storage.piccolo_app"])

DB: Engine | None = None
