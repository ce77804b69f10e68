"""Authentication and RBAC of `python -m sim.apiserver` as the real kubectl sees them, with each identity's
kubeconfig: the users' contexts, the services' files, a client certificate, no credentials at all."""

import base64
import json
import ssl
from pathlib import Path

import httpx

from services.lib import tls
from sim import identities, pki
from tests.integration.sim.conftest import Cluster, rows

LOGGED_OUT = "error: You must be logged in to the server (Unauthorized)"


def users(cluster: Cluster, context: str) -> tuple[str, ...]:
    return ("--kubeconfig", str(cluster.layout.users_kubeconfig), "--context", context)


def with_user(cluster: Cluster, path: Path, user: dict[str, str]) -> Path:
    """A copy of the admin kubeconfig whose user entry is replaced."""
    document = json.loads(cluster.layout.admin_kubeconfig.read_text())
    document["users"] = [{"name": "admin", "user": user}]
    path.write_text(json.dumps(document))
    return path


async def test_the_users_kubeconfig_has_admin_current_then_viewer_and_nobody(cluster: Cluster) -> None:
    contexts = await cluster.kubectl("config", "get-contexts", "-o", "name", kubeconfig=cluster.layout.users_kubeconfig)
    current = await cluster.kubectl("config", "current-context", kubeconfig=cluster.layout.users_kubeconfig)

    assert contexts.split() == ["admin", "nobody", "viewer"] and current.strip() == "admin"
    assert await cluster.kubectl("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}",
                                 *users(cluster, "viewer")) == "viewer"  # fmt: skip


async def test_admin_sees_everything(cluster: Cluster) -> None:
    admin = users(cluster, "admin")
    pods = rows(await cluster.kubectl("get", "pods", "-A", *admin))
    nodes = rows(await cluster.kubectl("get", "nodes", *admin))
    bindings = await cluster.kubectl("get", "clusterrolebindings", "-o", "name", *admin)

    assert {row[0] for row in pods[1:]} >= {"default", "kube-system"} and len(nodes) == 4
    assert "clusterrolebinding.rbac.authorization.k8s.io/flowmeter:scraper" in bindings.split()
    assert (await cluster.kubectl("auth", "can-i", "*", "*", *admin)).strip() == "yes"


async def test_viewer_lists_pods_in_default_only(cluster: Cluster) -> None:
    viewer = users(cluster, "viewer")
    pods = rows(await cluster.kubectl("get", "pods", "-n", "default", *viewer))
    system = await cluster.run("get", "pods", "-n", "kube-system", *viewer)
    nodes = await cluster.run("get", "nodes", *viewer)

    assert pods[0][0] == "NAME" and len(pods) > 1
    assert system[0] == 1 and system[2].strip() == (
        'Error from server (Forbidden): pods is forbidden: User "viewer" cannot list resource "pods" in API group "" '
        'in the namespace "kube-system"')  # fmt: skip
    assert nodes[2].strip() == ('Error from server (Forbidden): nodes is forbidden: User "viewer" cannot list resource '
                                '"nodes" in API group "" at the cluster scope')  # fmt: skip


async def test_nobody_is_forbidden_and_no_or_bad_credentials_are_unauthorized(cluster: Cluster, tmp_path: Path) -> None:
    nobody = await cluster.run("get", "pods", "-n", "default", *users(cluster, "nobody"))
    # A username without a password is basic auth, which kube-apiserver no longer reads: no credentials at all.
    none = await cluster.run("get", "pods", kubeconfig=with_user(cluster, tmp_path / "none", {"username": "x"}))
    bad = await cluster.run("get", "pods", kubeconfig=with_user(cluster, tmp_path / "bad", {"token": "junk"}))

    assert 'pods is forbidden: User "nobody" cannot list resource "pods"' in nobody[2]
    assert none[0] == bad[0] == 1 and none[2].strip() == bad[2].strip() == LOGGED_OUT


async def test_only_health_and_version_answer_without_credentials(cluster: Cluster) -> None:
    server = json.loads(cluster.layout.admin_kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
    context = ssl.create_default_context(cafile=cluster.layout.ca[0])
    async with httpx.AsyncClient(verify=context) as http:
        answers = {}
        for path in ("/healthz", "/livez", "/readyz", "/version", "/api", "/apis", "/api/v1/namespaces"):
            answers[path] = (await http.get(server + path)).status_code

    assert answers == {"/healthz": 200, "/livez": 200, "/readyz": 200, "/version": 200, "/api": 401, "/apis": 401,
                       "/api/v1/namespaces": 401}  # fmt: skip


async def test_kubectl_auth_can_i_answers_for_each_user(cluster: Cluster) -> None:
    async def can_i(context: str, *args: str) -> tuple[int, str]:
        code, out, _ = await cluster.run("auth", "can-i", *args, *users(cluster, context))
        return code, out.strip()

    assert await can_i("viewer", "list", "pods", "-n", "default") == (0, "yes")
    assert await can_i("viewer", "list", "pods", "-n", "kube-system") == (1, "no")
    assert await can_i("viewer", "delete", "pods", "-n", "default") == (1, "no")
    assert await can_i("nobody", "list", "pods", "-n", "default") == (1, "no")
    assert await can_i("admin", "list", "pods", "-n", "kube-system", "--as", "viewer") == (1, "no")
    listed = rows(await cluster.kubectl("auth", "can-i", "--list", "-n", "default", *users(cluster, "viewer")))
    assert ["pods", "[]", "[]", "[get list watch]"] in listed
    assert ["pods.metrics.k8s.io", "[]", "[]", "[get list watch]"] in listed


async def test_each_service_kubeconfig_carries_its_own_least_privilege_identity(cluster: Cluster) -> None:
    async def can_i(service: str, *args: str) -> str:
        kubeconfig = cluster.layout.service_kubeconfig(service)
        return (await cluster.run("auth", "can-i", *args, kubeconfig=kubeconfig))[1].strip()

    for service in identities.SERVICES:
        whoami = await cluster.kubectl(
            "auth", "whoami", "-o", "json", kubeconfig=cluster.layout.service_kubeconfig(service)
        )
        assert (
            json.loads(whoami)["status"]["userInfo"]["username"]
            == f"system:serviceaccount:flowmeter:flowmeter-{service}"
        )
    assert [await can_i("scraper", "get", "nodes", "--subresource=metrics"), await can_i("scraper", "list", "pods")] == [
        "yes", "no"]  # fmt: skip
    assert await can_i("store", "list", "nodes") == "no"
    assert [await can_i("api", "create", "tokenreviews.authentication.k8s.io"),
            await can_i("api", "create", "subjectaccessreviews.authorization.k8s.io"),
            await can_i("api", "list", "pods", "-A")] == ["yes", "yes", "yes"]  # fmt: skip
    assert [await can_i("autoscaler", "patch", "horizontalpodautoscalers.autoscaling", "-n", "shop"),
            await can_i("autoscaler", "update", "deployments.apps", "--subresource=scale", "-n", "shop"),
            await can_i("autoscaler", "delete", "pods", "-n", "shop")] == ["yes", "yes", "no"]  # fmt: skip


async def test_token_and_subject_access_reviews_by_raw_post(cluster: Cluster, tmp_path: Path) -> None:
    api = cluster.layout.service_kubeconfig("api")
    token_review = tmp_path / "token-review.json"
    token_review.write_text(json.dumps({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
                                        "spec": {"token": pki.token_of(cluster.layout, "scraper")}}))  # fmt: skip
    access_review = tmp_path / "access-review.json"
    access_review.write_text(json.dumps({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
        "spec": {"user": "viewer", "groups": ["system:authenticated"], "resourceAttributes": {
            "verb": "list", "group": "metrics.k8s.io", "resource": "pods", "namespace": "default"}}}))  # fmt: skip

    reviewed = json.loads(await cluster.kubectl("create", "--raw", "/apis/authentication.k8s.io/v1/tokenreviews",
                                                "-f", str(token_review), kubeconfig=api))  # fmt: skip
    allowed = json.loads(await cluster.kubectl("create", "--raw", "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                                               "-f", str(access_review), kubeconfig=api))  # fmt: skip
    refused = await cluster.run("create", "--raw", "/apis/authentication.k8s.io/v1/tokenreviews", "-f",
                                str(token_review), *users(cluster, "viewer"))  # fmt: skip

    assert reviewed["status"]["authenticated"] is True
    assert reviewed["status"]["user"]["username"] == "system:serviceaccount:flowmeter:flowmeter-scraper"
    assert allowed["status"] == {"allowed": True, "reason": 'RBAC: allowed by RoleBinding "pod-viewer/default" of '
                                 'Role "pod-viewer" to User "viewer"'}  # fmt: skip
    assert refused[0] == 1 and "Forbidden" in refused[2]


async def test_the_api_reads_the_published_authentication_configmap_and_nothing_else_there(cluster: Cluster) -> None:
    api = cluster.layout.service_kubeconfig("api")
    name = "extension-apiserver-authentication"
    data = json.loads(await cluster.kubectl("get", "configmap", name, "-n", "kube-system", "-o", "json",
                                            kubeconfig=api))["data"]  # fmt: skip
    informer = await cluster.kubectl("get", "configmaps", "-n", "kube-system", f"--field-selector=metadata.name={name}",
                                     "-o", "name", kubeconfig=api)  # fmt: skip
    everything = await cluster.run("get", "configmaps", "-n", "kube-system", kubeconfig=api)

    assert data["client-ca-file"] == cluster.layout.ca[0].read_text()
    assert data["requestheader-client-ca-file"] == cluster.layout.front_proxy_ca[0].read_text()
    assert json.loads(data["requestheader-allowed-names"]) == ["front-proxy-client"]
    assert (json.loads(data["requestheader-username-headers"]), json.loads(data["requestheader-group-headers"]),
            json.loads(data["requestheader-extra-headers-prefix"])) == (
        ["X-Remote-User"], ["X-Remote-Group"], ["X-Remote-Extra-"])  # fmt: skip
    assert informer.strip() == f"configmap/{name}" and everything[0] == 1


async def test_a_client_certificate_of_the_cluster_ca_names_the_user_and_its_groups(
    cluster: Cluster, tmp_path: Path
) -> None:
    pair = tls.issue(pki.cluster_ca(cluster.layout), "viewer", organizations=("team-a",), client=True)
    encoded = {"client-certificate-data": base64.b64encode(pair.cert_pem).decode(),
               "client-key-data": base64.b64encode(pair.key_pem).decode()}  # fmt: skip
    kubeconfig = with_user(cluster, tmp_path / "cert", encoded)

    whoami = json.loads(await cluster.kubectl("auth", "whoami", "-o", "json", kubeconfig=kubeconfig))
    pods = await cluster.kubectl("get", "pods", "-n", "default", "-o", "name", kubeconfig=kubeconfig)

    assert whoami["status"]["userInfo"] == {"username": "viewer", "groups": ["team-a", "system:authenticated"]}
    assert pods.startswith("pod/")


async def test_roles_and_bindings_made_with_kubectl_grant_and_their_removal_takes_it_back(cluster: Cluster) -> None:
    nobody = users(cluster, "nobody")
    await cluster.kubectl("create", "namespace", "granted")
    await cluster.kubectl("create", "role", "lister", "--verb=get,list", "--resource=pods", "-n", "granted")
    await cluster.kubectl("create", "rolebinding", "lister", "--role=lister", "--user=nobody", "-n", "granted")
    allowed = await cluster.run("get", "pods", "-n", "granted", *nobody)
    table = rows(await cluster.kubectl("get", "rolebindings", "-n", "granted", "-o", "wide"))
    await cluster.kubectl("delete", "rolebinding", "lister", "-n", "granted")
    revoked = await cluster.run("get", "pods", "-n", "granted", *nobody)

    assert allowed[0] == 0 and "No resources found in granted namespace." in allowed[2]
    assert table[0] == ["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"]
    assert table[1][:2] == ["lister", "Role/lister"] and table[1][3] == "nobody"
    assert revoked[0] == 1 and "Forbidden" in revoked[2]


async def test_a_labelled_clusterrole_is_aggregated_into_an_aggregating_one(cluster: Cluster) -> None:
    await cluster.kubectl("create", "clusterrole", "monitoring", "--aggregation-rule=example.io/monitoring=true")
    await cluster.kubectl("create", "clusterrole", "pod-reader", "--verb=get", "--resource=pods")
    await cluster.kubectl("label", "clusterrole", "pod-reader", "example.io/monitoring=true")

    rules = await cluster.eventually(lambda out: "pods" in out, "get", "clusterrole", "monitoring", "-o",
                                     "jsonpath={.rules}")  # fmt: skip

    assert json.loads(rules) == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]


async def test_configmaps_are_created_read_patched_and_deleted(cluster: Cluster) -> None:
    await cluster.kubectl("create", "configmap", "settings", "-n", "default", "--from-literal=mode=fast")
    await cluster.kubectl("patch", "configmap", "settings", "-n", "default", "-p", '{"data":{"extra":"1"}}')
    table = rows(await cluster.kubectl("get", "configmap", "settings", "-n", "default"))
    await cluster.kubectl("delete", "configmap", "settings", "-n", "default")

    assert table[0] == ["NAME", "DATA", "AGE"] and table[1][:2] == ["settings", "2"]
