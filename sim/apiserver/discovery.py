"""Discovery documents: /version, /api, /apis, /apis/<group>, and each group version's APIResourceList.

Answered in the legacy JSON form; client-go asks for aggregated discovery first and falls back to these. The
metrics.k8s.io group is listed when an aggregated backend is configured, as its APIService would register it; its
resource list is the backend's own (the proxy forwards /apis/metrics.k8s.io/v1beta1).
"""

from sim.apiserver import resources as r
from sim.apiserver.resources import Obj, Resource

METRICS_GROUP = "metrics.k8s.io"
METRICS_VERSION = "v1beta1"


def version() -> Obj:
    """GET /version."""
    return {"major": "1", "minor": "37", "emulationMajor": "1", "emulationMinor": "37", "minCompatibilityMajor": "1",
            "minCompatibilityMinor": "36", "gitVersion": "v1.37.0-flowmeter-sim",
            "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
            "buildDate": "2026-01-01T00:00:00Z", "goVersion": "python", "compiler": "cpython",
            "platform": "linux/amd64"}  # fmt: skip


def core_versions(server_address: str) -> Obj:
    """GET /api."""
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}  # fmt: skip


def _group(name: str, versions: list[str]) -> Obj:
    entries = [{"groupVersion": f"{name}/{version}", "version": version} for version in versions]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


def groups(metrics: bool) -> list[Obj]:
    """Every API group but the core one, in discovery order."""
    served = [_group(name, versions) for name, versions in r.group_versions().items() if name]
    return served + ([_group(METRICS_GROUP, [METRICS_VERSION])] if metrics else [])


def group_list(metrics: bool) -> Obj:
    """GET /apis."""
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups(metrics)}


def group(name: str, metrics: bool) -> Obj | None:
    """GET /apis/<group>, or None if the group is not served."""
    found = next((g for g in groups(metrics) if g["name"] == name), None)
    return None if found is None else {"kind": "APIGroup", "apiVersion": "v1", **found}


def _entries(resource: Resource) -> list[Obj]:
    main: Obj = {"name": resource.plural, "singularName": resource.singular, "namespaced": resource.namespaced,
                 "kind": resource.kind, "verbs": list(r.VERBS)}  # fmt: skip
    if resource.short_names:
        main["shortNames"] = list(resource.short_names)
    if resource.categories:
        main["categories"] = list(resource.categories)
    subresources = [{"name": f"{resource.plural}/{sub}", "singularName": "", "namespaced": resource.namespaced,
                     "kind": "Scale" if sub == "scale" else resource.kind, "verbs": list(r.SUBRESOURCE_VERBS),
                     **({"group": "autoscaling", "version": "v1"} if sub == "scale" else {})}
                    for sub in resource.subresources]  # fmt: skip
    return [main, *subresources]


def resource_list(group_name: str, version_name: str) -> Obj | None:
    """GET /api/v1 or /apis/<group>/<version>, or None if not served."""
    served = [res for res in r.ALL if res.group == group_name and res.version == version_name]
    if not served:
        return None
    group_version = f"{group_name}/{version_name}" if group_name else version_name
    entries = [entry for res in sorted(served, key=lambda res: res.plural) for entry in _entries(res)]
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": entries}
