"""The RBAC policy the control plane starts with (pure data): kube-apiserver's bootstrap roles that matter here, and
Flowmeter's least-privilege roles for its services, its `viewer` and the simulated kubelets.

Bootstrap (plugin/pkg/auth/authorizer/rbac/bootstrappolicy): cluster-admin for system:masters; system:discovery,
system:basic-user and system:public-info-viewer (the last also for the unauthenticated); admin/edit/view aggregated
from the `aggregate-to-*` roles (abridged to the groups this server serves); system:auth-delegator; the
extension-apiserver-authentication-reader Role. Flowmeter's objects (with metrics-server's
system:aggregated-metrics-reader) are named as deploy/base/rbac.yaml names them.
"""

from sim import identities
from sim.apiserver.resources import Obj

RBAC_GROUP = "rbac.authorization.k8s.io"
BOOTSTRAP = {"kubernetes.io/bootstrapping": "rbac-defaults"}
AUTOUPDATE = {"rbac.authorization.kubernetes.io/autoupdate": "true"}
READ = "get list watch"
WRITE = "create delete deletecollection patch update"


def rule(verbs: str, group: str, resources: str, names: str = "") -> Obj:
    """A PolicyRule on resources of one API group ('' = core); verbs, resources and names space-separated."""
    found: Obj = {"verbs": verbs.split(), "apiGroups": [group], "resources": resources.split()}
    return found | ({"resourceNames": names.split()} if names else {})


def urls(verbs: str, paths: str) -> Obj:
    """A PolicyRule on non-resource URLs."""
    return {"verbs": verbs.split(), "nonResourceURLs": paths.split()}


def role(
    kind: str, name: str, rules: list[Obj], namespace: str = "", labels: dict[str, str] | None = None, **extra: Obj
) -> Obj:
    """A ClusterRole or Role; extra fields such as aggregationRule."""
    metadata: Obj = {"name": name, **({"namespace": namespace} if namespace else {})}
    if labels:
        metadata["labels"] = labels
    return {"apiVersion": f"{RBAC_GROUP}/v1", "kind": kind, "metadata": metadata, "rules": rules, **extra}


def subject(kind: str, name: str) -> Obj:
    """A binding subject: User, Group, or a ServiceAccount named `namespace:name`."""
    if kind == "ServiceAccount":
        namespace, _, account = name.partition(":")
        return {"kind": kind, "name": account, "namespace": namespace}
    return {"kind": kind, "apiGroup": RBAC_GROUP, "name": name}


def binding(kind: str, name: str, role_kind: str, role_name: str, subjects: list[Obj], namespace: str = "") -> Obj:
    """A ClusterRoleBinding or RoleBinding."""
    metadata: Obj = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": f"{RBAC_GROUP}/v1", "kind": kind, "metadata": metadata,
            "roleRef": {"apiGroup": RBAC_GROUP, "kind": role_kind, "name": role_name},
            "subjects": subjects}  # fmt: skip


def _bootstrapped(obj: Obj) -> Obj:
    """Labelled and annotated as kube-apiserver's bootstrap policy objects are."""
    metadata = obj["metadata"]
    return {**obj, "metadata": {**metadata, "labels": {**BOOTSTRAP, **metadata.get("labels", {})},
                                "annotations": dict(AUTOUPDATE)}}  # fmt: skip


def _aggregated(name: str, into: str = "") -> Obj:
    """An aggregated ClusterRole, itself aggregated into another (view into edit, edit into admin)."""
    selector = {"matchLabels": {f"{RBAC_GROUP}/aggregate-to-{name}": "true"}}
    labels = _aggregate_to(into) if into else None
    return role("ClusterRole", name, [], labels=labels, aggregationRule={"clusterRoleSelectors": [selector]})


def _aggregate_to(*names: str) -> dict[str, str]:
    return {f"{RBAC_GROUP}/aggregate-to-{name}": "true" for name in names}


def _bootstrap_roles() -> list[Obj]:
    view = [rule(READ, "", "configmaps endpoints persistentvolumeclaims pods replicationcontrollers services"),
            rule(READ, "", "bindings events limitranges namespaces/status pods/log pods/status resourcequotas"),
            rule(READ, "", "namespaces"),
            rule(READ, "apps", "controllerrevisions daemonsets deployments deployments/scale deployments/status "
                 "replicasets replicasets/scale replicasets/status statefulsets statefulsets/scale "
                 "statefulsets/status"),
            rule(READ, "autoscaling", "horizontalpodautoscalers horizontalpodautoscalers/status")]  # fmt: skip
    edit = [rule(WRITE, "", "pods pods/eviction configmaps events services"),
            rule(WRITE, "apps", "deployments deployments/scale replicasets replicasets/scale statefulsets "
                 "statefulsets/scale"),
            rule(WRITE, "autoscaling", "horizontalpodautoscalers")]  # fmt: skip
    admin = [rule("create", "authorization.k8s.io", "localsubjectaccessreviews"),
             rule(f"{WRITE} {READ}", RBAC_GROUP, "rolebindings roles")]  # fmt: skip
    return [
        role("ClusterRole", "cluster-admin", [rule("*", "*", "*"), urls("*", "*")]),
        role("ClusterRole", "system:discovery", [urls("get", "/api /api/* /apis /apis/* /healthz /livez /openapi "
                                                          "/openapi/* /readyz /version /version/")]),
        role("ClusterRole", "system:basic-user", [
            rule("create", "authorization.k8s.io", "selfsubjectaccessreviews selfsubjectrulesreviews"),
            rule("create", "authentication.k8s.io", "selfsubjectreviews")]),
        role("ClusterRole", "system:public-info-viewer", [urls("get", "/healthz /livez /readyz /version /version/")]),
        _aggregated("admin"), _aggregated("edit", into="admin"), _aggregated("view", into="edit"),
        role("ClusterRole", "system:aggregate-to-admin", admin, labels=_aggregate_to("admin")),
        role("ClusterRole", "system:aggregate-to-edit", edit, labels=_aggregate_to("edit")),
        role("ClusterRole", "system:aggregate-to-view", view, labels=_aggregate_to("view")),
        role("ClusterRole", "system:auth-delegator", [rule("create", "authentication.k8s.io", "tokenreviews"),
                                                      rule("create", "authorization.k8s.io", "subjectaccessreviews")]),
        role("Role", "extension-apiserver-authentication-reader",
             [rule(READ, "", "configmaps", "extension-apiserver-authentication")], "kube-system"),
    ]  # fmt: skip


def _bootstrap_bindings() -> list[Obj]:
    authenticated, unauthenticated = (
        subject("Group", "system:authenticated"),
        subject("Group", "system:unauthenticated"),
    )
    return [
        binding("ClusterRoleBinding", "cluster-admin", "ClusterRole", "cluster-admin",
                [subject("Group", identities.MASTERS)]),
        binding("ClusterRoleBinding", "system:discovery", "ClusterRole", "system:discovery", [authenticated]),
        binding("ClusterRoleBinding", "system:basic-user", "ClusterRole", "system:basic-user", [authenticated]),
        binding("ClusterRoleBinding", "system:public-info-viewer", "ClusterRole", "system:public-info-viewer",
                [authenticated, unauthenticated]),
    ]  # fmt: skip


def _account(key: str) -> Obj:
    return subject("ServiceAccount", f"{identities.SERVICE_NAMESPACE}:flowmeter-{key}")


def _flowmeter() -> list[Obj]:
    autoscaler = [
        rule("get list watch patch", "autoscaling", "horizontalpodautoscalers"),
        rule("get update patch", "autoscaling", "horizontalpodautoscalers/status"),
        rule(READ, "", "pods"),
        rule("get list watch patch", "apps", "deployments statefulsets replicasets"),
        rule("get update patch", "apps", "deployments/scale statefulsets/scale replicasets/scale"),
        rule("create patch", "", "events"),
    ]
    kubelets = [rule(READ, "", "nodes pods"), rule(READ, "apps", "replicasets deployments statefulsets")]
    kubelets_user = subject("User", identities.IDENTITIES[identities.KUBELETS].name)
    return [
        role("ClusterRole", "system:aggregated-metrics-reader", [rule(READ, "metrics.k8s.io", "pods nodes")],
             labels=_aggregate_to("view", "edit", "admin")),
        role("ClusterRole", "flowmeter:scraper", [rule(READ, "", "nodes"), rule("get", "", "nodes/metrics")]),
        binding("ClusterRoleBinding", "flowmeter:scraper", "ClusterRole", "flowmeter:scraper", [_account("scraper")]),
        role("ClusterRole", "flowmeter:api", [rule(READ, "", "nodes pods")]),
        binding("ClusterRoleBinding", "flowmeter:api", "ClusterRole", "flowmeter:api", [_account("api")]),
        binding("ClusterRoleBinding", "flowmeter:system:auth-delegator", "ClusterRole", "system:auth-delegator",
                [_account("api")]),
        binding("RoleBinding", "flowmeter-auth-reader", "Role", "extension-apiserver-authentication-reader",
                [_account("api")], "kube-system"),
        role("ClusterRole", "flowmeter:autoscaler", autoscaler),
        binding("ClusterRoleBinding", "flowmeter:autoscaler", "ClusterRole", "flowmeter:autoscaler",
                [_account("autoscaler")]),
        role("Role", "pod-viewer", [rule(READ, "", "pods"), rule(READ, "metrics.k8s.io", "pods")], "default"),
        binding("RoleBinding", "pod-viewer", "Role", "pod-viewer", [subject("User", "viewer")], "default"),
        role("ClusterRole", "flowmeter-sim:kubelets", kubelets),
        binding("ClusterRoleBinding", "flowmeter-sim:kubelets", "ClusterRole", "flowmeter-sim:kubelets",
                [kubelets_user]),
        binding("ClusterRoleBinding", "flowmeter-sim:kubelets:system:auth-delegator", "ClusterRole",
                "system:auth-delegator", [kubelets_user]),
    ]  # fmt: skip


def objects() -> list[Obj]:
    """Every Role, ClusterRole, RoleBinding and ClusterRoleBinding to seed (aggregated rules not yet filled in)."""
    return [*map(_bootstrapped, [*_bootstrap_roles(), *_bootstrap_bindings()]), *_flowmeter()]
