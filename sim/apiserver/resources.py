"""The resource types the simulated API server serves: names, kinds, scope, verbs, subresources, selectable fields.

One `Resource` per collection drives discovery, routing, field selectors, error messages and indexes, so adding a
type is one entry here plus its printer. A resource served in a second version (autoscaling/v1
HorizontalPodAutoscalers) names its storage version: it has no collection of its own, `versions` converts. Reviews
(TokenReview, SubjectAccessReview and their kin) take only `create`, are answered from the request and never stored.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]  # a Kubernetes object exactly as JSON shows it

VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
SUBRESOURCE_VERBS = ("get", "patch", "update")
COMMON_FIELDS = {"metadata.name": "metadata.name", "metadata.namespace": "metadata.namespace"}


@dataclass(frozen=True, eq=False)  # one instance per resource: identity is equality
class Resource:
    """One collection, e.g. apps/v1 deployments."""

    group: str  # "" for the core group
    version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()  # "status", "scale"
    fields: Mapping[str, str] = field(default_factory=dict)  # field selector label -> dotted path in the object
    indexed: tuple[str, ...] = ()  # field labels with an index, for selective lists and watches
    storage: "Resource | None" = None  # the version objects are stored in, for a resource served in two versions
    collection_delete: bool = True  # DELETE on the collection (deletecollection); namespaces have none
    review: bool = False  # create-only, answered by `reviews`, never stored

    @property
    def stored(self) -> "Resource":
        """The resource whose collection holds the objects: the storage version, or this one."""
        return self.storage or self

    @property
    def verbs(self) -> list[str]:
        """The verbs discovery lists."""
        if self.review:
            return ["create"]
        return [verb for verb in VERBS if verb != "deletecollection" or self.collection_delete]

    @property
    def api_version(self) -> str:
        """apiVersion of the objects, e.g. 'v1' or 'apps/v1'."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        """The group-qualified name errors use, e.g. 'pods' or 'deployments.apps'."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def field_value(self, obj: Obj, label: str) -> str:
        """The value of a selectable field, rendered as a string the way kube-apiserver compares it."""
        value: Any = obj
        for part in self.fields[label].split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else str(value)


def _fields(*labels: str, **renamed: str) -> dict[str, str]:
    return {**COMMON_FIELDS, **{label: label for label in labels}, **renamed}


_POD_FIELDS = _fields(
    "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
    "status.phase", "status.podIP", "status.nominatedNodeName",
)  # fmt: skip
_EVENT_FIELDS = _fields(
    "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
    "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
    "reportingComponent", "type", source="source.component",
)  # fmt: skip

NAMESPACES = Resource("", "v1", "namespaces", "namespace", "Namespace", False, ("ns",), (), ("status",),
                      _fields("status.phase"), collection_delete=False)  # fmt: skip
NODES = Resource("", "v1", "nodes", "node", "Node", False, ("no",), (), ("status",), _fields("spec.unschedulable"))
PODS = Resource("", "v1", "pods", "pod", "Pod", True, ("po",), ("all",), ("status",), _POD_FIELDS, ("spec.nodeName",))
EVENTS = Resource("", "v1", "events", "event", "Event", True, ("ev",), (), (), _EVENT_FIELDS)
DEPLOYMENTS = Resource("apps", "v1", "deployments", "deployment", "Deployment", True, ("deploy",), ("all",),
                       ("scale", "status"), _fields())  # fmt: skip
REPLICASETS = Resource("apps", "v1", "replicasets", "replicaset", "ReplicaSet", True, ("rs",), ("all",),
                       ("scale", "status"), _fields("status.replicas"))  # fmt: skip
STATEFULSETS = Resource("apps", "v1", "statefulsets", "statefulset", "StatefulSet", True, ("sts",), ("all",),
                        ("scale", "status"), _fields())  # fmt: skip
_HPA_NAMES = (
    "horizontalpodautoscalers",
    "horizontalpodautoscaler",
    "HorizontalPodAutoscaler",
    True,
    ("hpa",),
    ("all",),
)
HPAS = Resource("autoscaling", "v2", *_HPA_NAMES, ("status",), _fields())
HPAS_V1 = Resource("autoscaling", "v1", *_HPA_NAMES, ("status",), _fields(), storage=HPAS)

CONFIGMAPS = Resource("", "v1", "configmaps", "configmap", "ConfigMap", True, ("cm",), (), (), _fields())
RBAC = "rbac.authorization.k8s.io"
ROLES = Resource(RBAC, "v1", "roles", "role", "Role", True, (), (), (), _fields())
CLUSTER_ROLES = Resource(RBAC, "v1", "clusterroles", "clusterrole", "ClusterRole", False, (), (), (), _fields())
ROLE_BINDINGS = Resource(RBAC, "v1", "rolebindings", "rolebinding", "RoleBinding", True, (), (), (), _fields())
CLUSTER_ROLE_BINDINGS = Resource(RBAC, "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", False,
                                 (), (), (), _fields())  # fmt: skip

# Stored as given, with no behaviour of their own: what `kubectl apply -k deploy/overlays/single` creates. The
# aggregation proxy does not read APIServices: it forwards metrics.k8s.io to the backend given on the command line.
SERVICE_ACCOUNTS = Resource("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", True, ("sa",), (), (),
                            _fields())  # fmt: skip
SERVICES = Resource("", "v1", "services", "service", "Service", True, ("svc",), ("all",), ("status",), _fields())
SECRETS = Resource("", "v1", "secrets", "secret", "Secret", True, (), (), (), _fields("type"))
PDBS = Resource("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", True, ("pdb",),
                (), ("status",), _fields())  # fmt: skip
PRIORITY_CLASSES = Resource("scheduling.k8s.io", "v1", "priorityclasses", "priorityclass", "PriorityClass", False,
                            ("pc",), (), (), _fields())  # fmt: skip
API_SERVICES = Resource("apiregistration.k8s.io", "v1", "apiservices", "apiservice", "APIService", False, (), (),
                        ("status",), _fields())  # fmt: skip
GENERIC = (SERVICE_ACCOUNTS, SERVICES, SECRETS, PDBS, PRIORITY_CLASSES, API_SERVICES)


def _review(group: str, kind: str, namespaced: bool = False) -> Resource:
    return Resource(group, "v1", kind.lower() + "s", kind.lower(), kind, namespaced, review=True)


TOKEN_REVIEWS = _review("authentication.k8s.io", "TokenReview")
SELF_SUBJECT_REVIEWS = _review("authentication.k8s.io", "SelfSubjectReview")
LOCAL_SUBJECT_ACCESS_REVIEWS = _review("authorization.k8s.io", "LocalSubjectAccessReview", namespaced=True)
SELF_SUBJECT_ACCESS_REVIEWS = _review("authorization.k8s.io", "SelfSubjectAccessReview")
SELF_SUBJECT_RULES_REVIEWS = _review("authorization.k8s.io", "SelfSubjectRulesReview")
SUBJECT_ACCESS_REVIEWS = _review("authorization.k8s.io", "SubjectAccessReview")

ALL = (NAMESPACES, NODES, PODS, EVENTS, CONFIGMAPS, DEPLOYMENTS, REPLICASETS, STATEFULSETS, TOKEN_REVIEWS,
       SELF_SUBJECT_REVIEWS, LOCAL_SUBJECT_ACCESS_REVIEWS, SELF_SUBJECT_ACCESS_REVIEWS, SELF_SUBJECT_RULES_REVIEWS,
       SUBJECT_ACCESS_REVIEWS, HPAS, HPAS_V1, CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES, ROLE_BINDINGS,
       ROLES, *GENERIC)  # fmt: skip  # in discovery order; autoscaling v2 before v1: preferred
STORED = tuple(r for r in ALL if r.storage is None and not r.review)
BY_PATH = {(r.group, r.version, r.plural): r for r in ALL}
BY_KIND = {(r.api_version, r.kind): r for r in ALL}


def lookup(group: str, version: str, plural: str) -> Resource | None:
    """The resource served at /api(s)/<group>/<version>/<plural>, if any."""
    return BY_PATH.get((group, version, plural))


def group_versions() -> dict[str, list[str]]:
    """Served versions per group, in preference order; '' is the core group."""
    result: dict[str, list[str]] = {}
    for resource in ALL:
        versions = result.setdefault(resource.group, [])
        if resource.version not in versions:
            versions.append(resource.version)
    return result
