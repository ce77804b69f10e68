"""What kube-apiserver itself puts into a new cluster, beside the scenario's workloads (pure): its RBAC bootstrap
policy (`policy`, aggregated ClusterRoles filled in) and the `kube-system/extension-apiserver-authentication`
ConfigMap that tells aggregated API servers which CAs and front-proxy headers to trust."""

import json
import random

from sim.apiserver import objects, policy, rbac, strategy
from sim.apiserver import resources as r
from sim.apiserver.resources import Obj

AUTHENTICATION_CONFIGMAP = "extension-apiserver-authentication"
FRONT_PROXY_CLIENT = "front-proxy-client"
_BY_KIND = {res.kind: res for res in (r.ROLES, r.CLUSTER_ROLES, r.ROLE_BINDINGS, r.CLUSTER_ROLE_BINDINGS)}


def authentication_configmap(client_ca_pem: str, front_proxy_ca_pem: str) -> Obj:
    """The ConfigMap as kube-apiserver publishes it (values of the list keys are JSON lists)."""
    data = {
        "client-ca-file": client_ca_pem,
        "requestheader-allowed-names": json.dumps([FRONT_PROXY_CLIENT]),
        "requestheader-client-ca-file": front_proxy_ca_pem,
        "requestheader-extra-headers-prefix": json.dumps(["X-Remote-Extra-"]),
        "requestheader-group-headers": json.dumps(["X-Remote-Group"]),
        "requestheader-username-headers": json.dumps(["X-Remote-User"]),
    }
    metadata = {"name": AUTHENTICATION_CONFIGMAP, "namespace": "kube-system"}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}


def bootstrap(
    client_ca_pem: str, front_proxy_ca_pem: str, created: str, rng: random.Random
) -> dict[r.Resource, list[Obj]]:
    """Every object to load at start, by resource, stamped as created at `created` (RFC 3339)."""
    raw = policy.objects()
    roles = rbac.settle(obj for obj in raw if obj["kind"] == "ClusterRole")
    raw = [obj for obj in raw if obj["kind"] != "ClusterRole"] + roles
    result: dict[r.Resource, list[Obj]] = {resource: [] for resource in _BY_KIND.values()}
    for obj in raw:
        resource = _BY_KIND[obj["kind"]]
        result[resource].append(_stamp(resource, obj, created, rng))
    result[r.CONFIGMAPS] = [_stamp(r.CONFIGMAPS, authentication_configmap(client_ca_pem, front_proxy_ca_pem),
                                   created, rng)]  # fmt: skip
    return result


def _stamp(resource: r.Resource, obj: Obj, created: str, rng: random.Random) -> Obj:
    namespace = obj["metadata"].get("namespace", "")
    return strategy.prepare_create(resource, obj, namespace, uid=objects.new_uid(rng), now=created)
