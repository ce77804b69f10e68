"""Small helpers on JSON-shaped Kubernetes objects: paths, label selectors, owner references, identities."""

import random
from typing import Any

from services.lib import selectors
from sim.apiserver.resources import Obj

SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # k8s.io/apimachinery/pkg/util/rand: no vowels, no confusables


def path(obj: Obj, dotted: str, default: Any = None) -> Any:
    """The value at a dotted path such as 'spec.replicas', or default."""
    value: Any = obj
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return default
        value = value[part]
    return value


def format_selector(selector: Obj | None) -> str:
    """A metav1.LabelSelector as its string form, e.g. 'app=web,tier in (a,b)'; requirements sorted by key."""
    if not selector:
        return "<none>"
    parts = [(key, f"{key}={value}") for key, value in (selector.get("matchLabels") or {}).items()]
    for expression in selector.get("matchExpressions") or ():
        key, operator, values = expression["key"], expression["operator"], sorted(expression.get("values") or ())
        text = {"In": f"{key} in ({','.join(values)})", "NotIn": f"{key} notin ({','.join(values)})",
                "Exists": key, "DoesNotExist": f"!{key}"}.get(operator, f"{key} {operator}")  # fmt: skip
        parts.append((key, text))
    return ",".join(text for _, text in sorted(parts)) or "<none>"


def selector_of(selector: Obj | None) -> selectors.LabelSelector:
    """A metav1.LabelSelector parsed with the shared selector grammar."""
    text = format_selector(selector)
    return selectors.parse_labels("" if text == "<none>" else text)


def owner_reference(owner: Obj) -> Obj:
    """A controller ownerReference pointing at owner."""
    metadata = owner["metadata"]
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": metadata["name"],
            "uid": metadata["uid"], "controller": True, "blockOwnerDeletion": True}  # fmt: skip


def controller_of(obj: Obj) -> Obj | None:
    """The ownerReference marked controller, if any."""
    return next((ref for ref in obj["metadata"].get("ownerReferences", ()) if ref.get("controller")), None)


def new_uid(rng: random.Random) -> str:
    """A version-4 UUID drawn from rng (seeded runs are reproducible); formatted by hand, uuid.UUID is slow."""
    digits = f"{rng.getrandbits(122):031x}"
    return (
        f"{digits[:8]}-{digits[8:12]}-4{digits[12:15]}-{'89ab'[int(digits[15], 16) % 4]}{digits[16:19]}-{digits[19:31]}"
    )


def suffix(rng: random.Random, length: int = 5) -> str:
    """Random name suffix as kube's generateName and ReplicaSet controller draw it."""
    number, letters = rng.randrange(len(SAFE_ALPHABET) ** length), []
    for _ in range(length):
        number, index = divmod(number, len(SAFE_ALPHABET))
        letters.append(SAFE_ALPHABET[index])
    return "".join(letters)


def fnv32a(data: bytes) -> int:
    """32-bit FNV-1a, the hash kube uses for pod-template-hash."""
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def safe_encode(text: str) -> str:
    """k8s rand.SafeEncodeString: each character mapped into the safe alphabet."""
    return "".join(SAFE_ALPHABET[ord(char) % len(SAFE_ALPHABET)] for char in text)
