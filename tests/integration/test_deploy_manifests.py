"""Every overlay under `deploy/overlays` renders with `kubectl kustomize`, validates against the Kubernetes schemas,
and keeps the promises the README makes about it: services started with settings they accept, no root, probes and
resources everywhere, the APIServices pointing at the api, no wildcard in RBAC."""

import importlib

import kubernetes_validate
import pytest

from services.lib import config
from sim.apiserver import policy
from tests.integration.manifests import OVERLAYS, PREFIXES, Obj, environment, find, pod_spec, rendered

KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
WORKLOADS = ("Deployment", "StatefulSet")


def containers(objects: list[Obj]) -> list[tuple[Obj, Obj]]:
    """(workload, container) for every container of every workload."""
    return [(o, c) for o in objects if o["kind"] in WORKLOADS for c in pod_spec(o)["containers"]]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_of_every_overlay_is_valid_kubernetes(overlay: str, version: str) -> None:
    for obj in rendered(overlay):
        kubernetes_validate.validate(obj, version, strict=True)  # raises naming the field and the rule


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_runs_a_service_module_with_settings_it_accepts(overlay: str) -> None:
    objects = rendered(overlay)
    modules = set()
    for deployment in (o for o in objects if o["kind"] == "Deployment"):
        (container,) = pod_spec(deployment)["containers"]
        command, args = container["command"], container.get("args", [])
        assert command[:2] == ["python", "-m"]
        module = command[2]
        modules.add(module)
        config_type = importlib.import_module(f"{module}.config").Config
        config.load(config_type, environment(objects, container), args, PREFIXES[module])  # ConfigError if refused
    assert modules == set(PREFIXES)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_container_runs_as_root_or_can_gain_anything(overlay: str) -> None:
    for workload, container in containers(rendered(overlay)):
        pod, own = pod_spec(workload).get("securityContext", {}), container["securityContext"]
        effective = pod | own
        where = f"{workload['metadata']['name']}/{container['name']}"
        assert effective["runAsNonRoot"] is True and effective.get("runAsUser", 1) != 0, where
        assert own["readOnlyRootFilesystem"] is True, where
        assert own["allowPrivilegeEscalation"] is False, where
        assert own["capabilities"] == {"drop": ["ALL"]}, where
        assert effective["seccompProfile"] == {"type": "RuntimeDefault"}, where
        # kubectl top and HPAs stop without the pipeline; nothing stops without the console, which must not preempt
        critical = workload["metadata"]["name"] != "flowmeter-console"
        assert pod_spec(workload).get("priorityClassName") == ("system-cluster-critical" if critical else None), where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_probes_requests_and_a_memory_limit_but_no_cpu_limit(overlay: str) -> None:
    for workload, container in containers(rendered(overlay)):
        where = f"{workload['metadata']['name']}/{container['name']}"
        assert "readinessProbe" in container and "livenessProbe" in container, where
        resources = container["resources"]
        assert set(resources["requests"]) == {"cpu", "memory"}, where
        assert set(resources["limits"]) == {"memory"}, f"{where}: a CPU limit only throttles a slow cycle"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_workload_has_a_disruption_budget(overlay: str) -> None:
    objects = rendered(overlay)
    budgets = [o["spec"]["selector"]["matchLabels"] for o in objects if o["kind"] == "PodDisruptionBudget"]
    for workload in (o for o in objects if o["kind"] in WORKLOADS):
        assert workload["spec"]["selector"]["matchLabels"] in budgets, workload["metadata"]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_both_metrics_apiservices_point_at_the_api_service_and_its_https_port(overlay: str) -> None:
    objects = rendered(overlay)
    apiservices = {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "APIService"}
    assert set(apiservices) == {"v1beta1.metrics.k8s.io", "v1.metrics.k8s.io"}
    assert (
        apiservices["v1.metrics.k8s.io"]["versionPriority"] > apiservices["v1beta1.metrics.k8s.io"]["versionPriority"]
    )
    for spec in apiservices.values():
        service = find(objects, "Service", spec["service"]["name"])
        assert service["metadata"]["namespace"] == spec["service"]["namespace"]
        (port,) = [p for p in service["spec"]["ports"] if p["port"] == spec["service"]["port"]]
        pods = [o for o in objects if o["kind"] == "Deployment"
                and o["spec"]["selector"]["matchLabels"].items() <= service["spec"]["selector"].items()]  # fmt: skip
        (api,) = pods
        (container,) = pod_spec(api)["containers"]
        assert port["targetPort"] in [p["name"] for p in container["ports"]]
        assert container["command"][2] == "services.api"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rbac_grants_no_wildcard_and_binds_the_aggregation_roles(overlay: str) -> None:
    objects = rendered(overlay)
    for role in (o for o in objects if o["kind"] in ("ClusterRole", "Role")):
        for rule in role["rules"]:
            for key in ("apiGroups", "resources", "verbs"):
                assert "*" not in rule[key], f"{role['metadata']['name']} grants * in {key}"
    reader = find(objects, "RoleBinding", "flowmeter-auth-reader")
    assert reader["metadata"]["namespace"] == "kube-system"
    assert reader["roleRef"]["name"] == "extension-apiserver-authentication-reader"
    assert find(objects, "ClusterRoleBinding", "flowmeter:system:auth-delegator")["roleRef"]["name"] == (
        "system:auth-delegator"
    )
    labels = find(objects, "ClusterRole", "system:aggregated-metrics-reader")["metadata"]["labels"]
    assert {labels[f"rbac.authorization.k8s.io/aggregate-to-{role}"] for role in ("view", "edit", "admin")} == {"true"}


def test_ha_runs_two_apis_on_different_nodes_and_a_three_server_nats_cluster() -> None:
    objects = rendered("ha")
    api = find(objects, "Deployment", "flowmeter-api")
    assert api["spec"]["replicas"] == 2
    (term,) = pod_spec(api)["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert term["labelSelector"]["matchLabels"] == api["spec"]["selector"]["matchLabels"]
    assert find(objects, "PodDisruptionBudget", "flowmeter-api")["spec"] == {
        "minAvailable": 1, "selector": {"matchLabels": api["spec"]["selector"]["matchLabels"]}
    }  # fmt: skip
    nats = find(objects, "StatefulSet", "nats")
    assert nats["spec"]["replicas"] == 3
    conf = find(objects, "ConfigMap", "nats-config")["data"]["nats.conf"]
    assert all(f"nats-{i}.{nats['spec']['serviceName']}.flowmeter.svc:6222" in conf for i in range(3))


def test_large_adds_scraper_and_store_replicas_and_resources() -> None:
    single, large = rendered("single"), rendered("large")
    for name in ("flowmeter-scraper", "flowmeter-store"):
        small, big = find(single, "Deployment", name), find(large, "Deployment", name)
        assert big["spec"]["replicas"] > small["spec"]["replicas"]
        assert pod_spec(big)["containers"][0]["resources"] != pod_spec(small)["containers"][0]["resources"]


def test_kubesphere_names_images_by_the_extensions_roles_and_skips_kubelet_verification() -> None:
    objects = rendered("kubesphere")
    images = {
        o["metadata"]["name"]: pod_spec(o)["containers"][0]["image"] for o in objects if o["kind"] == "Deployment"
    }
    for name in ("flowmeter-scraper", "flowmeter-store", "flowmeter-api"):
        assert images[name] == "docker.io/kubesphere/flowmeter-metrics-server:v0.1.0"
    assert images["flowmeter-autoscaler"] == "docker.io/kubesphere/flowmeter-ks-autoscaling-controller:v0.1.0"
    assert (
        "--kubelet-insecure-tls" in pod_spec(find(objects, "Deployment", "flowmeter-scraper"))["containers"][0]["args"]
    )
    assert not any("--kubelet-insecure-tls" in c.get("args", []) for _, c in containers(rendered("single")))


def test_external_nats_runs_no_nats_and_points_every_service_at_the_given_one() -> None:
    objects = rendered("external-nats")
    assert not [o for o in objects if o["metadata"]["name"].startswith("nats")]
    for _, container in containers(objects):
        prefix = PREFIXES[container["command"][2]]
        assert environment(objects, container)[f"{prefix}NATS_URL"] == "tls://nats.nats.svc:4222"


def _grants(obj: Obj) -> set[tuple[str, ...]]:
    """What a role grants or a binding binds, in a form two spellings of the same policy share."""
    if "rules" in obj:
        return {(g, r, v) for rule in obj["rules"] for g in rule["apiGroups"] for r in rule["resources"]
                for v in rule["verbs"]}  # fmt: skip
    ref = obj["roleRef"]
    return {(ref["kind"], ref["name"], s["kind"], s["name"], s.get("namespace", "")) for s in obj["subjects"]}


def test_the_simulated_cluster_grants_the_services_exactly_what_deploy_grants_them() -> None:
    """The end-to-end tests run each service with its deploy/ rights, so missing RBAC shows up there first."""
    rbac = ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
    deployed = {(o["kind"], o["metadata"]["name"]): _grants(o) for o in rendered() if o["kind"] in rbac}
    seeded = {
        (o["kind"], o["metadata"]["name"]): _grants(o)
        for o in policy.objects()
        if (o["kind"], o["metadata"]["name"]) in deployed
    }
    assert seeded == deployed
