"""The default cluster's nodes: names, loopback kubelet addresses, pod CIDRs and Node objects (pure)."""

from typing import Any

Obj = dict[str, Any]
KUBELET_VERSION = "v1.37.0-sim"


def node_name(i: int) -> str:
    """Name of the i-th node (0-based), zero-padded to at least four digits."""
    return f"node-{i + 1:04d}"


def node_ip(subnet: str, i: int) -> str:
    """The i-th node's loopback InternalIP, where its simulated kubelet listens."""
    return f"{subnet}.{1 + i // 250}.{1 + i % 250}"


def pod_cidr(i: int) -> str:
    """The i-th node's pod CIDR: consecutive /24s from 10.244.0.0."""
    return f"10.{(244 + i // 256) % 256}.{i % 256}.0/24"


def _node_condition(kind: str, status: str, reason: str, message: str, since: str, now: str) -> Obj:
    return {"type": kind, "status": status, "lastHeartbeatTime": now, "lastTransitionTime": since, "reason": reason,
            "message": message}  # fmt: skip


def node(i: int, subnet: str, kubelet_port: int, since: str, now: str) -> Obj:
    """The i-th node: 8 CPUs, 32Gi, 110 pods, Ready, its kubelet at its loopback address."""
    name = node_name(i)
    labels = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
              "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
              "node.kubernetes.io/instance-type": "sim.8xlarge"}  # fmt: skip
    capacity = {"cpu": "8", "ephemeral-storage": "100Gi", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
                "memory": "32Gi", "pods": "110"}  # fmt: skip
    allocatable = {**capacity, "cpu": "7910m", "ephemeral-storage": "95Gi", "memory": "32156Mi"}
    conditions = [_node_condition(kind, status, reason, message, since, now) for kind, status, reason, message in (
        ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    )]  # fmt: skip
    machine = f"{i + 1:032x}"
    uuid = f"{machine[:8]}-{machine[8:12]}-{machine[12:16]}-{machine[16:20]}-{machine[20:]}"
    info = {"machineID": machine, "systemUUID": uuid, "bootID": f"b007{i + 1:028x}",
            "kernelVersion": "6.8.0-45-generic", "osImage": "Ubuntu 24.04.1 LTS",
            "containerRuntimeVersion": "containerd://1.7.22", "kubeletVersion": KUBELET_VERSION,
            "operatingSystem": "linux", "architecture": "amd64"}  # fmt: skip
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": labels, "annotations": {"node.alpha.kubernetes.io/ttl": "0",
                         "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
            "spec": {"podCIDR": pod_cidr(i), "podCIDRs": [pod_cidr(i)]},
            "status": {"capacity": capacity, "allocatable": allocatable, "conditions": conditions,
                       "addresses": [{"type": "InternalIP", "address": node_ip(subnet, i)},
                                     {"type": "Hostname", "address": name}],
                       "daemonEndpoints": {"kubeletEndpoint": {"Port": kubelet_port}}, "nodeInfo": info}}  # fmt: skip
