"""The RBAC evaluator: rules, subjects, bindings and aggregation, as kube's RBAC authorizer decides them."""

from collections.abc import Iterable

from sim.apiserver import policy, rbac
from sim.apiserver.authn import User
from sim.apiserver.policy import binding, role, rule, subject, urls
from sim.apiserver.rbac import Attributes
from sim.apiserver.resources import Obj

VIEWER = User("viewer", ("system:authenticated",))
SCRAPER = User("system:serviceaccount:flowmeter:flowmeter-scraper", ("system:serviceaccounts",))


class Objects:
    """RBAC objects in a list, as the authorizer reads them."""

    def __init__(self, *objects: Obj) -> None:
        self.objects = objects

    def _of(self, kind: str, namespace: str = "") -> Iterable[Obj]:
        return [o for o in self.objects if o["kind"] == kind and o["metadata"].get("namespace", "") == namespace]

    def cluster_role(self, name: str) -> Obj | None:
        return next((o for o in self._of("ClusterRole") if o["metadata"]["name"] == name), None)

    def role(self, namespace: str, name: str) -> Obj | None:
        return next((o for o in self._of("Role", namespace) if o["metadata"]["name"] == name), None)

    def cluster_role_bindings(self) -> Iterable[Obj]:
        return self._of("ClusterRoleBinding")

    def role_bindings(self, namespace: str) -> Iterable[Obj]:
        return self._of("RoleBinding", namespace)


def get(resource: str, namespace: str = "", name: str = "", group: str = "", verb: str = "get") -> Attributes:
    plural, _, sub = resource.partition("/")
    return Attributes(verb, group=group, namespace=namespace, resource=plural, subresource=sub, name=name)


def aggregated(name: str) -> Obj:
    selector = {"matchLabels": {f"rbac.authorization.k8s.io/aggregate-to-{name}": "true"}}
    return role("ClusterRole", name, [], aggregationRule={"clusterRoleSelectors": [selector]})


def test_a_rule_matches_verbs_groups_resources_and_names_with_wildcards() -> None:
    scale = rule("get update", "apps", "deployments/scale */status")
    named = rule("get", "", "configmaps", "extension-apiserver-authentication")

    assert rbac.rule_allows(scale, get("deployments/scale", group="apps"))
    assert not rbac.rule_allows(scale, get("deployments", group="apps")), "a subresource rule is not the resource"
    assert rbac.rule_allows(scale, get("replicasets/status", group="apps", verb="update")), "*/status"
    assert not rbac.rule_allows(scale, get("deployments/scale", group="apps", verb="patch"))
    assert not rbac.rule_allows(scale, get("deployments/scale", group="")), "another group"
    assert rbac.rule_allows(rule("*", "*", "*"), get("anything/at-all", group="any.group", verb="escalate"))
    assert rbac.rule_allows(named, get("configmaps", "kube-system", "extension-apiserver-authentication"))
    assert not rbac.rule_allows(named, get("configmaps", "kube-system", "other"))
    assert not rbac.rule_allows(named, get("configmaps", "kube-system", verb="get")), "no name: not covered"


def test_a_non_resource_rule_matches_paths_exactly_or_by_a_trailing_star() -> None:
    discovery = urls("get", "/apis /apis/* /healthz")

    def path(text: str, verb: str = "get") -> Attributes:
        return Attributes(verb, resource_request=False, path=text)

    assert rbac.rule_allows(discovery, path("/apis")) and rbac.rule_allows(discovery, path("/apis/apps/v1"))
    assert not rbac.rule_allows(discovery, path("/healthz/etcd")) and not rbac.rule_allows(discovery, path("/api"))
    assert not rbac.rule_allows(discovery, path("/apis", "post"))
    assert not rbac.rule_allows(rule("get", "", "pods"), path("/apis")), "resource rules say nothing about paths"


def test_subjects_name_users_groups_and_service_accounts_in_the_bindings_namespace() -> None:
    account = {"kind": "ServiceAccount", "name": "flowmeter-scraper"}

    assert rbac.subject_matches(subject("User", "viewer"), VIEWER, "")
    assert rbac.subject_matches(subject("Group", "system:authenticated"), VIEWER, "")
    assert rbac.subject_matches(account, SCRAPER, "flowmeter"), "namespace from the RoleBinding"
    assert not rbac.subject_matches(account, SCRAPER, ""), "a ClusterRoleBinding must name the namespace"
    assert rbac.subject_matches(subject("ServiceAccount", "flowmeter:flowmeter-scraper"), SCRAPER, "")
    assert not rbac.subject_matches(subject("User", "system:serviceaccount:flowmeter:x"), SCRAPER, "")


def test_a_role_binding_grants_only_in_its_namespace_and_says_which_binding_allowed() -> None:
    objects = Objects(
        role("ClusterRole", "reader", [rule("get list", "", "pods")]),
        binding("RoleBinding", "read", "ClusterRole", "reader", [subject("User", "viewer")], "default"),
    )

    assert rbac.decide(VIEWER, get("pods", "default", verb="list"), objects) == (
        True, 'RBAC: allowed by RoleBinding "read/default" of ClusterRole "reader" to User "viewer"')  # fmt: skip
    assert rbac.decide(VIEWER, get("pods", "kube-system", verb="list"), objects) == (False, "")
    assert rbac.decide(VIEWER, get("pods", verb="list"), objects) == (False, ""), "not across all namespaces"


def test_system_masters_may_do_anything_without_any_binding() -> None:
    admin = User("admin", ("system:masters", "system:authenticated"))

    assert rbac.decide(admin, get("secrets", "kube-system", verb="delete"), Objects()) == (True, "")
    assert rbac.rules_for(admin, "default", Objects()) == ([rbac.ALL_RESOURCES], [rbac.ALL_URLS])


def test_a_binding_to_a_missing_role_grants_nothing() -> None:
    objects = Objects(binding("ClusterRoleBinding", "dangling", "ClusterRole", "gone", [subject("User", "viewer")]))

    assert rbac.decide(VIEWER, get("pods"), objects) == (False, "")


def test_aggregation_collects_labelled_roles_rules_once_in_name_order_and_settles_through_levels() -> None:
    labels = {"rbac.authorization.k8s.io/aggregate-to-view": "true"}
    view, edit = aggregated("view"), aggregated("edit")
    pods = role("ClusterRole", "b-pods", [rule("get", "", "pods")], labels=labels)
    nodes = role("ClusterRole", "a-nodes", [rule("get", "", "nodes"), rule("get", "", "pods")], labels=labels)
    view_in_edit = {**view, "metadata": {**view["metadata"], "labels": {
        "rbac.authorization.k8s.io/aggregate-to-edit": "true"}}}  # fmt: skip

    [updated] = rbac.aggregate([view, pods, nodes])
    settled = {r["metadata"]["name"]: r for r in rbac.settle([edit, view_in_edit, pods, nodes])}

    assert updated["rules"] == [rule("get", "", "nodes"), rule("get", "", "pods")]
    assert rbac.aggregate([updated, pods, nodes]) == [], "up to date: nothing to write"
    assert settled["edit"]["rules"] == updated["rules"], "edit aggregates view, which aggregates the labelled roles"


def test_rules_for_lists_resource_and_non_resource_rules_from_every_binding() -> None:
    objects = Objects(*policy.objects())

    resources, paths = rbac.rules_for(VIEWER, "default", objects)

    assert {"verbs": ["get", "list", "watch"], "apiGroups": ["metrics.k8s.io"], "resources": ["pods"]} in resources
    assert {"verbs": ["create"], "apiGroups": ["authorization.k8s.io"],
            "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]} in resources  # fmt: skip
    assert {"verbs": ["get"], "nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"]} in paths
    assert not any("pods" in r["resources"] for r in rbac.rules_for(VIEWER, "kube-system", objects)[0])


def test_forbidden_messages_name_the_user_verb_resource_group_and_scope() -> None:
    assert rbac.forbidden_message("viewer", get("pods", "kube-system", verb="list")) == (
        'User "viewer" cannot list resource "pods" in API group "" in the namespace "kube-system"')  # fmt: skip
    assert rbac.forbidden_message("viewer", get("deployments/scale", group="apps", verb="update")) == (
        'User "viewer" cannot update resource "deployments/scale" in API group "apps" at the cluster scope')  # fmt: skip
    assert rbac.forbidden_message("nobody", Attributes("get", resource_request=False, path="/metrics")) == (
        'User "nobody" cannot get path "/metrics"')  # fmt: skip
