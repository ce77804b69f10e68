"""The RBAC authorizer: may this user do this, given the Roles, ClusterRoles and their bindings (pure).

Follows k8s.io/kubernetes plugin/pkg/auth/authorizer/rbac: ClusterRoleBindings grant everywhere, RoleBindings in
the request's namespace grant there (to a Role of that namespace or a ClusterRole); a rule matches on verbs,
apiGroups, resources (`*`, `resource/subresource`, `*/subresource`), resourceNames, or on nonResourceURLs (`*` as the
last character is a prefix match). Members of `system:masters` are always allowed, as kube-apiserver's privileged-group
authorizer does before RBAC. RBAC never denies: anything not allowed has no opinion. `aggregate` is the
clusterrole-aggregation controller's computation.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from sim import identities
from sim.apiserver import objects
from sim.apiserver.authn import User
from sim.apiserver.resources import Obj

Rule = dict[str, Any]  # a PolicyRule as JSON
ALL_RESOURCES: Rule = {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}
ALL_URLS: Rule = {"verbs": ["*"], "nonResourceURLs": ["*"]}


@dataclass(frozen=True)
class Attributes:
    """What a request asks, as authorizer.Attributes: a verb on a resource, or on a non-resource path."""

    verb: str
    resource_request: bool = True
    path: str = ""
    group: str = ""
    version: str = ""
    namespace: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""


class Policy(Protocol):
    """The RBAC objects, as the authorizer reads them."""

    def cluster_role(self, name: str) -> Obj | None: ...
    def role(self, namespace: str, name: str) -> Obj | None: ...
    def cluster_role_bindings(self) -> Iterable[Obj]: ...
    def role_bindings(self, namespace: str) -> Iterable[Obj]: ...


def _matches(values: list[str], wanted: str) -> bool:
    return "*" in values or wanted in values


def _resource_matches(rule: Rule, resource: str, subresource: str) -> bool:
    combined = f"{resource}/{subresource}" if subresource else resource
    for granted in rule.get("resources") or ():
        if granted in ("*", combined):
            return True
        if subresource and granted == f"*/{subresource}":
            return True
    return False


def _url_matches(rule: Rule, path: str) -> bool:
    for granted in rule.get("nonResourceURLs") or ():
        if granted in ("*", path) or (granted.endswith("*") and path.startswith(granted.rstrip("*"))):
            return True
    return False


def rule_allows(rule: Rule, attrs: Attributes) -> bool:
    """Whether one PolicyRule covers the request."""
    if not _matches(rule.get("verbs") or [], attrs.verb):
        return False
    if not attrs.resource_request:
        return _url_matches(rule, attrs.path)
    names = rule.get("resourceNames") or []
    return (_matches(rule.get("apiGroups") or [], attrs.group)
            and _resource_matches(rule, attrs.resource, attrs.subresource)
            and (not names or attrs.name in names))  # fmt: skip


def subject_matches(subject: Obj, user: User, namespace: str) -> bool:
    """Whether a binding subject names the user; a ServiceAccount's namespace defaults to the binding's."""
    kind, name = subject.get("kind"), str(subject.get("name", ""))
    if kind == "User":
        return user.name == name
    if kind == "Group":
        return name in user.groups
    account_namespace = subject.get("namespace") or namespace
    return kind == "ServiceAccount" and bool(account_namespace) and (
        user.name == f"system:serviceaccount:{account_namespace}:{name}")  # fmt: skip


def _describe(subject: Obj, namespace: str) -> str:
    if subject.get("kind") == "ServiceAccount":
        return f'ServiceAccount "{subject.get("name")}/{subject.get("namespace") or namespace}"'
    return f'{subject.get("kind")} "{subject.get("name")}"'


def _role_rules(policy: Policy, binding: Obj) -> list[Rule]:
    ref, namespace = binding.get("roleRef") or {}, binding["metadata"].get("namespace", "")
    role = policy.role(namespace, ref.get("name", "")) if ref.get("kind") == "Role" else policy.cluster_role(
        ref.get("name", ""))  # fmt: skip
    return list((role or {}).get("rules") or [])


def visit(user: User, namespace: str, policy: Policy) -> Iterator[tuple[str, Rule]]:
    """(source, rule) of every rule granted to the user in a namespace ('' = cluster-wide only), in kube's order."""
    scopes = [("ClusterRoleBinding", "", policy.cluster_role_bindings())]
    if namespace:
        scopes.append(("RoleBinding", namespace, policy.role_bindings(namespace)))
    for kind, scope, bindings in scopes:
        for binding in bindings:
            subject = next((s for s in binding.get("subjects") or () if subject_matches(s, user, scope)), None)
            if subject is None:
                continue
            ref, name = binding.get("roleRef") or {}, binding["metadata"]["name"]
            source = (f'{kind} "{name}/{scope}"' if scope else f'{kind} "{name}"') + (
                f' of {ref.get("kind")} "{ref.get("name")}" to {_describe(subject, scope)}')  # fmt: skip
            for rule in _role_rules(policy, binding):
                yield source, rule


def decide(user: User, attrs: Attributes, policy: Policy) -> tuple[bool, str]:
    """(allowed, reason) as a SubjectAccessReview reports it."""
    if identities.MASTERS in user.groups:
        return True, ""
    for source, rule in visit(user, attrs.namespace, policy):
        if rule_allows(rule, attrs):
            return True, f"RBAC: allowed by {source}"
    return False, ""


def rules_for(user: User, namespace: str, policy: Policy) -> tuple[list[Rule], list[Rule]]:
    """(resource rules, non-resource rules) the user has in a namespace, as a SelfSubjectRulesReview lists them."""
    granted = [rule for _, rule in visit(user, namespace, policy)]
    if identities.MASTERS in user.groups:
        granted = [ALL_RESOURCES, ALL_URLS, *granted]
    keys = ("verbs", "apiGroups", "resources", "resourceNames")
    resource_rules = [{k: rule[k] for k in keys if rule.get(k)} for rule in granted if rule.get("resources")]
    url_rules = [{k: rule[k] for k in ("verbs", "nonResourceURLs")} for rule in granted if rule.get("nonResourceURLs")]
    return resource_rules, url_rules


def aggregate(cluster_roles: Iterable[Obj]) -> list[Obj]:
    """The aggregated ClusterRoles whose rules are out of date, with their rules recomputed: every rule of every
    other ClusterRole a selector of their aggregationRule matches, in name order, each rule once."""
    roles = sorted(cluster_roles, key=lambda role: role["metadata"]["name"])
    changed = []
    for role in roles:
        selectors = (role.get("aggregationRule") or {}).get("clusterRoleSelectors")
        if not selectors:
            continue
        rules: list[Rule] = []
        for selector in map(objects.selector_of, selectors):
            for other in roles:
                if other["metadata"]["name"] == role["metadata"]["name"]:
                    continue
                if selector.matches(other["metadata"].get("labels") or {}):
                    for rule in other.get("rules") or ():
                        if rule not in rules:
                            rules.append(rule)
        if rules != (role.get("rules") or []):
            changed.append({**role, "rules": rules})
    return changed


def settle(cluster_roles: Iterable[Obj]) -> list[Obj]:
    """ClusterRoles with aggregation applied until nothing changes (admin aggregates edit, which aggregates view)."""
    by_name = {role["metadata"]["name"]: role for role in cluster_roles}
    for _ in range(len(by_name) + 1):
        changed = aggregate(by_name.values())
        if not changed:
            break
        by_name |= {role["metadata"]["name"]: role for role in changed}
    return list(by_name.values())


def forbidden_message(user: str, attrs: Attributes) -> str:
    """Why a request is forbidden, in kube-apiserver's words (responsewriters.forbiddenMessage)."""
    if not attrs.resource_request:
        return f'User "{user}" cannot {attrs.verb} path "{attrs.path}"'
    resource = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    scope = f'in the namespace "{attrs.namespace}"' if attrs.namespace else "at the cluster scope"
    return f'User "{user}" cannot {attrs.verb} resource "{resource}" in API group "{attrs.group}" {scope}'
