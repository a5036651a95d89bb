"""What ats/settings.py refuses to start production without, asked of the settings themselves
(Settings.model_validate with ATS_ENV=production and nothing else): the deployment manifests
are checked against this set, so a setting made required later is caught there too."""

from __future__ import annotations

from pydantic import ValidationError

from ats.settings import Settings


def required_in_production() -> set[str]:
    try:
        Settings.model_validate({"ats_env": "production"})
    except ValidationError as exc:
        return {str(e["loc"][0]).upper() for e in exc.errors() if e["loc"]} | {"ATS_ENV"}
    raise AssertionError("production settings validated with nothing set")
