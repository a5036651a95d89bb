"""The Kubernetes manifests (infra/k8s), the Dockerfile and .dockerignore, read as files: the
fields that make the deployment safe and working (replicas, probes, security context,
resources, pinned images, settings names that ats/settings.py really reads)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ats.settings import Settings
from tests.production_settings import required_in_production

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "infra" / "k8s"
DIGEST = re.compile(r"^[a-z0-9.\-/:]+@sha256:[0-9a-f]{64}$")
# Environment names the image reads besides ATS_*: boto3's credential chain and region, and
# uvicorn's trusted proxies.
OTHER_ENV = {"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "FORWARDED_ALLOW_IPS"}
SETTINGS_ENV = {name.upper() for name in Settings.model_fields if name != "embedded"}
WORKLOADS = {"Deployment", "CronJob", "Job"}


def documents() -> list[dict[str, Any]]:
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":  # kustomize's own file, not a Kubernetes object
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                doc["__file__"] = path.name
                found.append(doc)
    return found


DOCS = documents()


def by_kind(kind: str) -> list[dict[str, Any]]:
    return [d for d in DOCS if d["kind"] == kind]


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return doc["spec"]["template"]["spec"]


def named(kind: str, name: str) -> dict[str, Any]:
    [doc] = [d for d in by_kind(kind) if d["metadata"]["name"] == name]
    return doc


def test_every_manifest_parses_and_is_namespaced() -> None:
    assert {d["__file__"] for d in DOCS} >= {
        "web-deployment.yaml", "service.yaml", "cronjobs.yaml", "pdb.yaml", "networkpolicy.yaml", "configmap.yaml",
    }
    for doc in DOCS:
        assert doc["apiVersion"] and doc["kind"] and doc["metadata"]["name"], doc["__file__"]
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == "ats", doc["metadata"]["name"]


def test_kustomization_lists_every_manifest_but_the_migration_job() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    manifests = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "migrate-job.yaml"}
    assert set(kustomization["resources"]) == manifests


def test_the_web_deployment() -> None:
    web = named("Deployment", "ats-web")
    assert web["spec"]["replicas"] >= 2
    assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    [container] = pod_spec(web)["containers"]
    assert container["args"][0] == "serve"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert container["livenessProbe"]["httpGet"]["port"] == "http" and ports["http"] == 8000
    assert "--port" in container["args"] and container["args"][container["args"].index("--port") + 1] == "8000"
    config = named("ConfigMap", "ats-config")["data"]
    assert str(ports["metrics"]) == config["ATS_METRICS_PORT"]
    service = named("Service", "ats-web")
    assert service["spec"]["selector"] == web["spec"]["selector"]["matchLabels"]
    pdb = named("PodDisruptionBudget", "ats-web")
    assert pdb["spec"]["selector"]["matchLabels"] == web["spec"]["selector"]["matchLabels"]
    assert pdb["spec"]["minAvailable"] < web["spec"]["replicas"]  # a drain can proceed


@pytest.mark.parametrize("doc", [d for d in DOCS if d["kind"] in WORKLOADS], ids=lambda d: d["metadata"]["name"])
def test_every_pod_is_locked_down(doc: dict[str, Any]) -> None:
    spec = pod_spec(doc)
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] >= 10000
    assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert spec["automountServiceAccountToken"] is False
    volumes = {v["name"]: v for v in spec["volumes"]}
    for container in spec["containers"]:
        context = container["securityContext"]
        assert context["runAsNonRoot"] is True
        assert context["allowPrivilegeEscalation"] is False
        assert context["readOnlyRootFilesystem"] is True
        assert context["capabilities"]["drop"] == ["ALL"] and "add" not in context["capabilities"]
        assert context["seccompProfile"]["type"] == "RuntimeDefault"
        for bound in ("requests", "limits"):
            assert set(container["resources"][bound]) == {"cpu", "memory"}
        # The only writable place: an emptyDir at /tmp.
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        assert set(mounts) == {"/tmp"} and "emptyDir" in volumes[mounts["/tmp"]]
        assert DIGEST.match(container["image"]), container["image"]
        assert ":latest" not in container["image"]
        assert {"configMapRef": {"name": "ats-config"}} in container["envFrom"]
        assert {"secretRef": {"name": "ats-secrets"}} in container["envFrom"]
        assert "env" not in container or all("value" not in e or not e["name"].endswith(("KEY", "URL")) for e in container["env"])


def test_the_jobs_run_on_the_schedule_once_at_a_time() -> None:
    jobs = {d["metadata"]["name"]: d for d in by_kind("CronJob")}
    commands = {tuple(pod_spec(d)["containers"][0]["args"][:2]) for d in jobs.values()}
    assert commands == {("jobs", "expire"), ("jobs", "retag"), ("jobs", "sweep"), ("jobs", "mail")}
    for job in jobs.values():
        assert job["spec"]["concurrencyPolicy"] == "Forbid"
        assert pod_spec(job)["restartPolicy"] == "Never"
    cron = (ROOT / "infra" / "cron.example").read_text()
    for job in jobs.values():
        args = " ".join(pod_spec(job)["containers"][0]["args"][:2])
        line = next(line for line in cron.splitlines() if f"ats {args} " in line)
        assert line.split()[:5] == job["spec"]["schedule"].split(), args  # one schedule in both files
    migrate = named("Job", "ats-migrate")
    assert pod_spec(migrate)["containers"][0]["args"] == ["db", "migrate"]


def test_config_names_are_settings_the_app_reads_and_hold_no_secret() -> None:
    config = named("ConfigMap", "ats-config")["data"]
    unknown = set(config) - SETTINGS_ENV - OTHER_ENV
    assert not unknown, f"not read by ats/settings.py: {unknown}"
    assert config["ATS_ENV"] == "production"
    assert not {"ATS_SECRET_KEY", "ATS_DATABASE_URL", "ATS_SMTP_URL", "ATS_METRICS_TOKEN", "AWS_SECRET_ACCESS_KEY"} & set(config)
    # Every setting production requires comes from the ConfigMap or the operator's Secret.
    from_secret = {"ATS_SECRET_KEY", "ATS_DATABASE_URL", "ATS_SMTP_URL"}
    required = required_in_production()
    assert "ATS_AUDIT_SIGNING_KEY_ID" in required  # the set is the settings' own (issue 11)
    assert required <= set(config) | from_secret, required - set(config) - from_secret
    assert not by_kind("Secret"), "secret values never live in the repository"


def test_network_policy_denies_by_default_and_admits_the_web_and_metrics_ports() -> None:
    policies = {d["metadata"]["name"]: d for d in by_kind("NetworkPolicy")}
    deny = [p for p in policies.values() if p["spec"]["podSelector"] == {} and not p["spec"].get("ingress")]
    assert deny and set(deny[0]["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    admitted = {port["port"] for p in policies.values() for rule in p["spec"].get("ingress", []) for port in rule["ports"]}
    assert admitted == {8000, 9100}


def test_the_dockerfile() -> None:
    text = (ROOT / "Dockerfile").read_text()
    instructions = [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    froms = [line.split()[1] for line in instructions if line.startswith("FROM ")]
    assert len(froms) == 2 and all(DIGEST.match(image) for image in froms)  # multi-stage, pinned
    assert "--constraint constraints.txt" in text
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] == "10001"  # numeric, non-root, matches runAsUser
    assert 'ENTRYPOINT ["ats"]' in instructions
    assert any(line.startswith("HEALTHCHECK ") for line in instructions)
    assert "/healthz" in text
    web = named("Deployment", "ats-web")
    assert pod_spec(web)["securityContext"]["runAsUser"] == int(users[-1].split(":")[0])


def test_the_docker_build_context_leaves_out_local_state() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".git", ".venv", "tests", ".ats", "*.sqlite3"} <= ignored
