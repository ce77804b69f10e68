"""deploy/'s overlays as `kubectl kustomize` renders them, and what each container is started with."""

import copy
import functools
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
OVERLAYS = ("single", "ha", "large", "kubesphere", "external-nats")
PREFIXES = {
    "services.scraper": "SCRAPER_",
    "services.store": "STORE_",
    "services.api": "API_",
    "services.autoscaler": "AUTOSCALER_",
    "services.console": "CONSOLE_",
}
Obj = dict[str, Any]


@functools.cache
def _rendered(overlay: str) -> tuple[Obj, ...]:
    text = subprocess.run(
        ["kubectl", "kustomize", str(ROOT / "deploy" / "overlays" / overlay)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return tuple(document for document in yaml.safe_load_all(text) if document)


def rendered(overlay: str = "single") -> list[Obj]:
    """The objects `kubectl kustomize deploy/overlays/<overlay>` renders (a fresh copy each time)."""
    return copy.deepcopy(list(_rendered(overlay)))


def find(objects: list[Obj], kind: str, name: str) -> Obj:
    """The one object of this kind and name."""
    (found,) = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def pod_spec(workload: Obj) -> Obj:
    """A Deployment's or StatefulSet's pod template spec."""
    spec: Obj = workload["spec"]["template"]["spec"]
    return spec


def environment(objects: list[Obj], container: Obj) -> dict[str, str]:
    """The variables a container gets from its envFrom ConfigMaps (with their prefixes) and its literal env."""
    result: dict[str, str] = {}
    for source in container.get("envFrom", []):
        (config_map,) = [o for o in objects if o["kind"] == "ConfigMap"
                         and o["metadata"]["name"] == source["configMapRef"]["name"]]  # fmt: skip
        result |= {source.get("prefix", "") + key: value for key, value in config_map["data"].items()}
    return result | {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}
