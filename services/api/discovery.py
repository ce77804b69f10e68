"""Discovery documents of the metrics.k8s.io group, as the aggregated API server serves them."""

from typing import Any

from services.api.views import GROUP

VERSIONS = ("v1beta1",)  # served versions, preferred first
RESOURCES = (
    {"name": "nodes", "singularName": "", "namespaced": False, "kind": "NodeMetrics", "verbs": ["get", "list"]},
    {"name": "pods", "singularName": "", "namespaced": True, "kind": "PodMetrics", "verbs": ["get", "list"]},
)


def _versions() -> list[dict[str, str]]:
    return [{"groupVersion": f"{GROUP}/{version}", "version": version} for version in VERSIONS]


def api_group() -> dict[str, Any]:
    """`/apis/metrics.k8s.io`."""
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_body()}


def _group_body() -> dict[str, Any]:
    return {"name": GROUP, "versions": _versions(), "preferredVersion": _versions()[0]}


def api_group_list() -> dict[str, Any]:
    """`/apis`: just our group."""
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group_body()]}


def api_resource_list(version: str) -> dict[str, Any]:
    """`/apis/metrics.k8s.io/<version>`."""
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{GROUP}/{version}",
        "resources": list(RESOURCES),
    }
