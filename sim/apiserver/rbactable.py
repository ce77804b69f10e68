"""`kubectl get` columns of Roles, ClusterRoles, their bindings and ConfigMaps, as kube-apiserver's printers compute
them (pkg/printers/internalversion): roles show when they were created, bindings their role and (wide) subjects."""

from typing import Any

from sim.apiserver.resources import Obj


def role_cells(obj: Obj) -> list[Any]:
    """Name, Created At (RFC 3339)."""
    return [obj["metadata"]["name"], obj["metadata"].get("creationTimestamp", "")]


def _subjects(obj: Obj, kind: str) -> str:
    subjects = [s for s in obj.get("subjects") or () if s.get("kind") == kind]
    if kind == "ServiceAccount":
        return ", ".join(f"{s.get('namespace', '')}/{s.get('name', '')}" for s in subjects)
    return ", ".join(s.get("name", "") for s in subjects)


def binding_cells(obj: Obj, age: str) -> list[Any]:
    """Name, Role (Kind/name), Age; wide: Users, Groups, ServiceAccounts (namespace/name)."""
    ref = obj.get("roleRef") or {}
    return [obj["metadata"]["name"], f"{ref.get('kind', '')}/{ref.get('name', '')}", age,
            *(_subjects(obj, kind) for kind in ("User", "Group", "ServiceAccount"))]  # fmt: skip


def config_map_cells(obj: Obj, age: str) -> list[Any]:
    """Name, Data (number of keys), Age."""
    return [obj["metadata"]["name"], len(obj.get("data") or {}) + len(obj.get("binaryData") or {}), age]
