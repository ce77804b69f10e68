"""Discovery documents: /version, /api, /apis, /apis/<group>, and each group version's APIResourceList.

/api and /apis come in the legacy form or, when the client prefers it (client-go and kubectl do), as aggregated
discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList: every group, version and resource in one document). The
metrics.k8s.io group is listed when an aggregated backend is configured, as two APIServices would register it:
`v1.metrics.k8s.io` with a higher versionPriority than `v1beta1.metrics.k8s.io`, so v1 comes first and is preferred.
Its legacy resource lists are the backend's own (the proxy forwards /apis/metrics.k8s.io/<version>); its aggregated
entry declares the resources metrics-server serves, since kube-apiserver would hold them from the backend.
"""

from sim.apiserver import resources as r
from sim.apiserver.resources import Obj, Resource

METRICS_GROUP = "metrics.k8s.io"
METRICS_VERSIONS = ("v1", "v1beta1")  # by APIService versionPriority, highest first
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
_METRICS_RESOURCES = (("nodes", "NodeMetrics", False), ("pods", "PodMetrics", True))


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
    return served + ([_group(METRICS_GROUP, list(METRICS_VERSIONS))] if metrics else [])


def group_list(metrics: bool) -> Obj:
    """GET /apis."""
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups(metrics)}


def group(name: str, metrics: bool) -> Obj | None:
    """GET /apis/<group>, or None if the group is not served."""
    found = next((g for g in groups(metrics) if g["name"] == name), None)
    return None if found is None else {"kind": "APIGroup", "apiVersion": "v1", **found}


def _entries(resource: Resource) -> list[Obj]:
    main: Obj = {"name": resource.plural, "singularName": resource.singular, "namespaced": resource.namespaced,
                 "kind": resource.kind, "verbs": resource.verbs}  # fmt: skip
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


def _kind(group: str, version: str, kind: str) -> Obj:
    return {"group": group, "version": version, "kind": kind}


def _aggregated(resource: Resource) -> Obj:
    """One resource as aggregated discovery lists it, its subresources folded in."""
    entry: Obj = {"resource": resource.plural, "responseKind": _kind(resource.group, resource.version, resource.kind),
                  "scope": "Namespaced" if resource.namespaced else "Cluster", "singularResource": resource.singular,
                  "verbs": resource.verbs}  # fmt: skip
    if resource.short_names:
        entry["shortNames"] = list(resource.short_names)
    if resource.categories:
        entry["categories"] = list(resource.categories)
    if resource.subresources:
        entry["subresources"] = [
            {"subresource": sub, "verbs": list(r.SUBRESOURCE_VERBS), "responseKind": _kind("autoscaling", "v1", "Scale")
             if sub == "scale" else _kind(resource.group, resource.version, resource.kind)}
            for sub in resource.subresources
        ]  # fmt: skip
    return entry


def _metrics_version(version: str) -> Obj:
    resources = [{"resource": name, "responseKind": _kind(METRICS_GROUP, version, kind),
                  "scope": "Namespaced" if namespaced else "Cluster", "singularResource": "", "verbs": ["get", "list"]}
                 for name, kind, namespaced in _METRICS_RESOURCES]  # fmt: skip
    return {"version": version, "resources": resources, "freshness": "Current"}


def _group_discovery(name: str, versions: list[str]) -> Obj:
    entries = []
    for version in versions:
        served = sorted((res for res in r.ALL if res.group == name and res.version == version), key=lambda x: x.plural)
        entries.append({"version": version, "resources": [_aggregated(res) for res in served], "freshness": "Current"})
    return {"metadata": {"name": name, "creationTimestamp": None}, "versions": entries}


def aggregated(path: str, metrics: bool) -> Obj:
    """GET /api or /apis as an APIGroupDiscoveryList."""
    served = r.group_versions()
    if path == "/api":
        items = [{"metadata": {"creationTimestamp": None}, "versions": _group_discovery("", served[""])["versions"]}]
    else:
        items = [_group_discovery(name, versions) for name, versions in served.items() if name]
        if metrics:
            items.append({"metadata": {"name": METRICS_GROUP, "creationTimestamp": None},
                          "versions": [_metrics_version(version) for version in METRICS_VERSIONS]})  # fmt: skip
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items}
