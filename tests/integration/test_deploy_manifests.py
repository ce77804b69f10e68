"""`deploy/base` renders with `kubectl kustomize`, and each Deployment starts a real service with flags it accepts."""

import importlib
import subprocess
from pathlib import Path
from typing import Any

import yaml

from services.lib import config
from sim.apiserver import policy

ROOT = Path(__file__).resolve().parents[2]
PREFIXES = {
    "services.scraper": "SCRAPER_",
    "services.store": "STORE_",
    "services.api": "API_",
    "services.autoscaler": "AUTOSCALER_",
}


def rendered() -> list[dict[str, Any]]:
    """The objects `kubectl kustomize deploy/base` renders."""
    text = subprocess.run(
        ["kubectl", "kustomize", str(ROOT / "deploy" / "base")], check=True, capture_output=True, text=True
    ).stdout
    return [document for document in yaml.safe_load_all(text) if document]


def test_every_service_deployment_runs_a_service_module_with_flags_it_accepts() -> None:
    deployments = [o for o in rendered() if o["kind"] == "Deployment"]
    modules = set()
    for deployment in deployments:
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        command, args = container["command"], container.get("args", [])
        assert command[:2] == ["python", "-m"]
        module = command[2]
        modules.add(module)
        config_type = importlib.import_module(f"{module}.config").Config
        config.load(config_type, {}, args, PREFIXES[module])  # raises ConfigError on any flag the service refuses
    assert modules == set(PREFIXES)


def test_the_metrics_apiservice_points_at_the_api_service() -> None:
    objects = rendered()
    (apiservice,) = [o for o in objects if o["kind"] == "APIService"]
    service = apiservice["spec"]["service"]
    assert any(
        o["kind"] == "Service"
        and o["metadata"]["name"] == service["name"]
        and o["metadata"]["namespace"] == service["namespace"]
        for o in objects
    )
    bindings = [o for o in objects if o["kind"] == "RoleBinding"]
    assert [b["metadata"]["namespace"] for b in bindings] == ["kube-system"], (
        "the auth reader binding lives in kube-system"
    )


def grants(obj: dict[str, Any]) -> set[tuple[str, ...]]:
    """What a role grants or a binding binds, in a form two spellings of the same policy share."""
    if "rules" in obj:
        return {(g, r, v) for rule in obj["rules"] for g in rule["apiGroups"] for r in rule["resources"]
                for v in rule["verbs"]}  # fmt: skip
    ref = obj["roleRef"]
    return {(ref["kind"], ref["name"], s["kind"], s["name"], s.get("namespace", "")) for s in obj["subjects"]}


def test_the_simulated_cluster_grants_the_services_exactly_what_deploy_grants_them() -> None:
    """The end-to-end tests run each service with its deploy/ rights, so missing RBAC shows up there first."""
    rbac = ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
    deployed = {(o["kind"], o["metadata"]["name"]): grants(o) for o in rendered() if o["kind"] in rbac}
    seeded = {
        (o["kind"], o["metadata"]["name"]): grants(o)
        for o in policy.objects()
        if (o["kind"], o["metadata"]["name"]) in deployed
    }
    assert seeded == deployed
