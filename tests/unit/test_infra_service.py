"""infra/aws/service.yaml, read as CloudFormation reads it: each task's container gets every
setting production requires (tests/production_settings.py asks ats/settings.py which), as a
plain value or from Secrets Manager; a missing one would stop the task at start-up."""

from __future__ import annotations

from typing import Any

from tests.cfn_templates import load
from tests.production_settings import required_in_production


def containers() -> dict[str, dict[str, Any]]:
    template = load("service.yaml")
    found = {}
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::ECS::TaskDefinition":
            for container in resource["Properties"]["ContainerDefinitions"]:
                found[container["Name"]] = container
    return found


def test_both_tasks_get_every_setting_production_requires() -> None:
    tasks = containers()
    assert set(tasks) == {"web", "jobs"}
    required = required_in_production()
    for name, container in tasks.items():
        given = {e["Name"] for e in container.get("Environment", [])} | {s["Name"] for s in container.get("Secrets", [])}
        assert required <= given, (name, required - given)
        assert not {"ATS_SECRET_KEY", "ATS_DATABASE_URL", "ATS_SMTP_URL"} & {e["Name"] for e in container["Environment"]}


def test_the_signing_key_is_the_storage_stacks_output() -> None:
    for name, container in containers().items():
        [entry] = [e for e in container["Environment"] if e["Name"] == "ATS_AUDIT_SIGNING_KEY_ID"]
        assert entry["Value"] == {"Fn::ImportValue": {"Fn::Sub": "${StorageStackName}-AtsAuditSigningKeyId"}}, name
