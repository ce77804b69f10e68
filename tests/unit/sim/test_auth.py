"""Authentication, authorization, impersonation and the review resources through the HTTP surface in memory."""

from typing import Any

import httpx
import msgspec
import pytest

from sim import identities
from sim.apiserver import authn, watch
from sim.apiserver.registry import Registry
from tests.unit.sim.conftest import TOKENS, app_client, token

SAR = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
TOKEN_REVIEW = "/apis/authentication.k8s.io/v1/tokenreviews"


def body(response: httpx.Response) -> Any:
    return msgspec.json.decode(response.content)


def status(code: int, reason: str, message: str, details: dict[str, str] | None = None) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, **({} if details is None else {"details": details}), "code": code}  # fmt: skip


def test_a_certificate_names_the_user_and_groups_before_any_token() -> None:
    subject = ((("organizationName", "team-a"),), (("organizationName", "team-b"),), (("commonName", "carol"),))

    user = authn.authenticate("Bearer junk", subject, "/api/v1/pods", TOKENS)

    assert user == authn.User("carol", ("team-a", "team-b", "system:authenticated"))


def test_a_token_names_its_identity_and_anything_else_is_anonymous_on_public_paths_only() -> None:
    viewer = authn.authenticate(f"Bearer {token('viewer')}", None, "/api", TOKENS)

    assert viewer == authn.User("viewer", ("system:authenticated",), "sim-user-viewer")
    assert authn.authenticate("", None, "/livez", TOKENS) is authn.ANONYMOUS
    assert authn.authenticate("Basic YWRtaW46", None, "/version", TOKENS) is authn.ANONYMOUS
    with pytest.raises(authn.Unauthenticated):
        authn.authenticate("", None, "/api", TOKENS)
    with pytest.raises(authn.Unauthenticated):
        authn.authenticate("Bearer junk", None, "/livez", TOKENS)


async def test_no_or_unknown_credentials_are_401_but_health_and_version_are_open(
    registry: Registry, hub: watch.Hub
) -> None:
    async with app_client(registry, hub, as_key=None) as anonymous:
        pods = await anonymous.get("/api/v1/pods")
        health, version = await anonymous.get("/healthz"), await anonymous.get("/version")
        bad = await anonymous.get("/livez", headers={"Authorization": "Bearer junk"})

    assert (pods.status_code, body(pods)) == (401, status(401, "Unauthorized", "Unauthorized"))
    assert (health.status_code, health.text, version.status_code) == (200, "ok", 200)
    assert bad.status_code == 401


async def test_forbidden_requests_get_kubes_403_status(registry: Registry, hub: watch.Hub) -> None:
    async with app_client(registry, hub, as_key="viewer") as viewer:
        allowed = await viewer.get("/api/v1/namespaces/default/pods")
        other = await viewer.get("/api/v1/namespaces/kube-system/pods")
        node = await viewer.get("/api/v1/nodes/node-0001")
        path = await viewer.get("/metrics")

    assert allowed.status_code == 200
    assert body(other) == status(403, "Forbidden", 'pods is forbidden: User "viewer" cannot list resource "pods" in '
                                 'API group "" in the namespace "kube-system"', {"kind": "pods"})  # fmt: skip
    assert body(node)["message"] == ('nodes "node-0001" is forbidden: User "viewer" cannot get resource "nodes" in '
                                     'API group "" at the cluster scope')  # fmt: skip
    assert body(node)["details"] == {"name": "node-0001", "kind": "nodes"}
    assert body(path) == status(403, "Forbidden", 'forbidden: User "viewer" cannot get path "/metrics"', {})


async def test_a_list_narrowed_to_one_name_is_authorized_as_a_get_of_that_name(
    registry: Registry, hub: watch.Hub
) -> None:
    url = "/api/v1/namespaces/kube-system/configmaps"
    async with app_client(registry, hub, as_key="api") as api:
        named = await api.get(url, params={"fieldSelector": "metadata.name=extension-apiserver-authentication"})
        everything = await api.get(url)

    assert named.status_code == 200 and len(body(named)["items"]) == 1
    assert everything.status_code == 403


async def test_token_reviews_name_the_tokens_identity_for_callers_allowed_to_ask(
    registry: Registry, hub: watch.Hub
) -> None:
    def review(of: str) -> dict[str, Any]:
        return {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": of}}

    async with app_client(registry, hub, as_key="api") as api, app_client(registry, hub, as_key="viewer") as viewer:
        known = await api.post(TOKEN_REVIEW, json=review(token("scraper")))
        unknown = await api.post(TOKEN_REVIEW, json=review("junk"))
        refused = await viewer.post(TOKEN_REVIEW, json=review(token("scraper")))

    scraper = identities.IDENTITIES["scraper"]
    assert (known.status_code, body(known)["status"]) == (201, {"authenticated": True, "user": {
        "username": scraper.name, "uid": scraper.uid, "groups": [*scraper.groups, "system:authenticated"]},
        "audiences": ["https://kubernetes.default.svc.cluster.local"]})  # fmt: skip
    assert body(known)["spec"] == {"token": token("scraper")} and body(known)["metadata"] == {"creationTimestamp": None}
    assert body(unknown)["status"] == {"user": {}}
    assert refused.status_code == 403


async def test_subject_access_reviews_answer_from_rbac_and_need_a_user_or_group(
    registry: Registry, hub: watch.Hub
) -> None:
    spec = {"user": "system:serviceaccount:flowmeter:flowmeter-scraper", "groups": ["system:serviceaccounts"],
            "resourceAttributes": {"verb": "get", "resource": "nodes", "subresource": "metrics", "name": "n1"}}  # fmt: skip
    async with app_client(registry, hub, as_key="kubelets") as kubelets:
        allowed = await kubelets.post(SAR, json={"spec": spec})
        denied = await kubelets.post(SAR, json={"spec": {**spec, "user": "nobody", "groups": []}})
        anyone = await kubelets.post(SAR, json={"spec": {"resourceAttributes": spec["resourceAttributes"]}})

    assert body(allowed)["status"] == {"allowed": True, "reason": 'RBAC: allowed by ClusterRoleBinding '
        '"flowmeter:scraper" of ClusterRole "flowmeter:scraper" to ServiceAccount "flowmeter-scraper/flowmeter"'}  # fmt: skip
    assert body(denied)["status"] == {"allowed": False}
    assert anyone.status_code == 422
    assert body(anyone)["message"] == ('SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid '
                                       'value: "": at least one of user or group must be specified')  # fmt: skip


async def test_self_reviews_answer_for_the_caller(registry: Registry, hub: watch.Hub) -> None:
    own = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"

    def asks(namespace: str) -> dict[str, Any]:
        return {"spec": {"resourceAttributes": {"verb": "list", "resource": "pods", "namespace": namespace}}}

    async with app_client(registry, hub, as_key="viewer") as viewer:
        default, system = await viewer.post(own, json=asks("default")), await viewer.post(own, json=asks("kube-system"))
        rules = await viewer.post("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
                                  json={"spec": {"namespace": "default"}})  # fmt: skip
        whoami = await viewer.post("/apis/authentication.k8s.io/v1/selfsubjectreviews", json={})
        neither = await viewer.post(own, json={"spec": {}})

    assert body(default)["status"]["allowed"] is True and body(system)["status"] == {"allowed": False}
    assert {"verbs": ["get", "list", "watch"], "apiGroups": [""], "resources": ["pods"]} in body(rules)["status"][
        "resourceRules"]  # fmt: skip
    assert body(rules)["status"]["incomplete"] is False
    assert body(whoami)["status"] == {"userInfo": {"username": "viewer", "uid": "sim-user-viewer",
                                                   "groups": ["system:authenticated"]}}  # fmt: skip
    assert neither.status_code == 422


async def test_impersonation_needs_the_impersonate_verb_and_then_acts_as_that_user(
    registry: Registry, hub: watch.Hub
) -> None:
    as_viewer = {"Impersonate-User": "viewer"}
    async with app_client(registry, hub) as admin, app_client(registry, hub, as_key="nobody") as nobody:
        forbidden_to_viewer = await admin.get("/api/v1/namespaces/kube-system/pods", headers=as_viewer)
        whoami = await admin.post("/apis/authentication.k8s.io/v1/selfsubjectreviews", json={},
                                  headers={**as_viewer, "Impersonate-Group": "team"})  # fmt: skip
        refused = await nobody.get("/api/v1/namespaces/default/pods", headers=as_viewer)

    assert body(forbidden_to_viewer)["message"].startswith('pods is forbidden: User "viewer" cannot list')
    assert body(whoami)["status"]["userInfo"] == {"username": "viewer", "groups": ["team", "system:authenticated"]}
    assert body(refused)["message"] == ('users "viewer" is forbidden: User "nobody" cannot impersonate resource '
                                        '"users" in API group "" at the cluster scope')  # fmt: skip
