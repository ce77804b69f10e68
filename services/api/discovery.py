"""Discovery documents of the metrics.k8s.io group: the legacy forms, and aggregated discovery (apidiscovery v2).

Both versions serve the same read model; v1 (GA in Kubernetes 1.37) is preferred, v1beta1 is what upstream serves.
"""

from typing import Any

from services.api.views import GROUP

VERSIONS = ("v1", "v1beta1")  # served versions, preferred first
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
KINDS = {"nodes": "NodeMetrics", "pods": "PodMetrics"}


def _versions() -> list[dict[str, str]]:
    return [{"groupVersion": f"{GROUP}/{version}", "version": version} for version in VERSIONS]


def _group_body() -> dict[str, Any]:
    return {"name": GROUP, "versions": _versions(), "preferredVersion": _versions()[0]}


def api_group() -> dict[str, Any]:
    """`/apis/metrics.k8s.io`."""
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_body()}


def api_group_list() -> dict[str, Any]:
    """`/apis`: just our group."""
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group_body()]}


def api_resource_list(version: str) -> dict[str, Any]:
    """`/apis/metrics.k8s.io/<version>`."""
    resources = [
        {"name": name, "singularName": "", "namespaced": name == "pods", "kind": kind, "verbs": ["get", "list"]}
        for name, kind in KINDS.items()
    ]
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{GROUP}/{version}", "resources": resources}


def wants_aggregated(accept: str) -> bool:
    """Whether the client asked for aggregated discovery before anything else."""
    for media in accept.split(","):
        params = dict(p.strip().partition("=")[::2] for p in media.split(";")[1:])
        if params.get("as") == "APIGroupDiscoveryList" and params.get("g") == "apidiscovery.k8s.io":
            return params.get("v") == "v2"
        if media.strip().split(";")[0] in ("application/json", "*/*"):
            return False
    return False


def aggregated() -> dict[str, Any]:
    """`/apis` as an APIGroupDiscoveryList: the group, its versions and their resources in one document."""
    versions = [
        {
            "version": version,
            "freshness": "Current",
            "resources": [
                {
                    "resource": name,
                    "responseKind": {"group": GROUP, "version": version, "kind": kind},
                    "scope": "Namespaced" if name == "pods" else "Cluster",
                    "singularResource": "",
                    "verbs": ["get", "list"],
                }
                for name, kind in KINDS.items()
            ],
        }
        for version in VERSIONS
    ]
    item = {"metadata": {"name": GROUP, "creationTimestamp": None}, "versions": versions}
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": [item]}
