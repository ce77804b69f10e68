"""The RBAC the control plane starts with: what each identity may and may not do, and the published trust."""

import json

import pytest

from sim import identities
from sim.apiserver import auth, authn, bootstrap, rbac
from sim.apiserver import resources as r
from tests.unit.sim.conftest import CLIENT_CA, FRONT_PROXY_CA, seeded_store

# (identity, verb, group, resource[/subresource], namespace, name, allowed)
CASES = [
    ("admin", "delete", "", "nodes", "", "node-0001", True),
    ("viewer", "list", "", "pods", "default", "", True),
    ("viewer", "watch", "metrics.k8s.io", "pods", "default", "", True),
    ("viewer", "list", "", "pods", "kube-system", "", False),
    ("viewer", "list", "", "nodes", "", "", False),
    ("viewer", "delete", "", "pods", "default", "web", False),
    ("nobody", "list", "", "pods", "default", "", False),
    ("nobody", "create", "authorization.k8s.io", "selfsubjectaccessreviews", "", "", True),
    ("scraper", "list", "", "nodes", "", "", True),
    ("scraper", "get", "", "nodes/metrics", "", "node-0001", True),
    ("scraper", "get", "", "nodes/proxy", "", "node-0001", False),
    ("scraper", "list", "", "pods", "", "", False),
    ("store", "list", "", "nodes", "", "", False),
    ("api", "watch", "", "pods", "", "", True),
    ("api", "create", "authentication.k8s.io", "tokenreviews", "", "", True),
    ("api", "create", "authorization.k8s.io", "subjectaccessreviews", "", "", True),
    ("api", "get", "", "configmaps", "kube-system", "extension-apiserver-authentication", True),
    ("api", "list", "", "configmaps", "kube-system", "", False),
    ("api", "get", "", "nodes/metrics", "", "node-0001", False),
    ("autoscaler", "patch", "autoscaling", "horizontalpodautoscalers", "shop", "web", True),
    ("autoscaler", "update", "autoscaling", "horizontalpodautoscalers/status", "shop", "web", True),
    ("autoscaler", "update", "autoscaling", "horizontalpodautoscalers", "shop", "web", False),
    ("autoscaler", "update", "apps", "statefulsets/scale", "shop", "db", True),
    ("autoscaler", "patch", "apps", "deployments", "shop", "web", True),
    ("autoscaler", "update", "apps", "deployments", "shop", "web", False),
    ("autoscaler", "create", "", "events", "shop", "", True),
    ("autoscaler", "create", "", "pods", "shop", "", False),
    ("kubelets", "watch", "apps", "replicasets", "", "", True),
    ("kubelets", "create", "authorization.k8s.io", "subjectaccessreviews", "", "", True),
    ("kubelets", "patch", "", "nodes", "", "node-0001", False),
]


@pytest.mark.parametrize(("key", "verb", "group", "resource", "namespace", "name", "allowed"), CASES)
def test_each_identity_has_exactly_the_access_it_needs(
    key: str, verb: str, group: str, resource: str, namespace: str, name: str, allowed: bool
) -> None:
    user = authn.authenticated(identities.IDENTITIES[key])
    plural, _, sub = resource.partition("/")
    asked = rbac.Attributes(verb, group=group, namespace=namespace, resource=plural, subresource=sub, name=name)

    assert rbac.decide(user, asked, auth.StorePolicy(seeded_store()))[0] is allowed


def test_view_edit_and_admin_include_the_aggregated_metrics_reader_from_the_start() -> None:
    store = seeded_store()

    for name in ("view", "edit", "admin"):
        rules = store.get(r.CLUSTER_ROLES, "", name)["rules"]  # type: ignore[index]
        assert {
            "verbs": ["get", "list", "watch"],
            "apiGroups": ["metrics.k8s.io"],
            "resources": ["pods", "nodes"],
        } in rules
    edit = store.get(r.CLUSTER_ROLES, "", "edit")["rules"]  # type: ignore[index]
    assert any("configmaps" in rule["resources"] and "get" in rule["verbs"] for rule in edit), "edit includes view"


def test_the_authentication_configmap_publishes_both_cas_and_the_front_proxy_headers() -> None:
    configmap = seeded_store().get(r.CONFIGMAPS, "kube-system", bootstrap.AUTHENTICATION_CONFIGMAP)

    assert configmap is not None
    data = configmap["data"]
    assert (data["client-ca-file"], data["requestheader-client-ca-file"]) == (CLIENT_CA, FRONT_PROXY_CA)
    assert data["requestheader-allowed-names"] == '["front-proxy-client"]'
    assert {key: json.loads(data[key]) for key in data if key.endswith("headers") or key.endswith("prefix")} == {
        "requestheader-username-headers": ["X-Remote-User"], "requestheader-group-headers": ["X-Remote-Group"],
        "requestheader-extra-headers-prefix": ["X-Remote-Extra-"]}  # fmt: skip
