"""Request bodies in Kubernetes' protobuf encoding, decoded into the JSON-shaped objects the rest of the server uses.

The envelope is the 4-byte magic `k8s\\0` and a runtime.Unknown {typeMeta {apiVersion, kind}, raw, contentEncoding,
contentType}; `raw` is the object's message, converted field by field with the tables in `protoschema`. Unknown
fields are skipped; zero values of plain fields are dropped as Go's `omitempty` would drop them (pointers keep
theirs), so the result is what the same client would have sent as JSON. Pure: bytes in, dict out.
"""

from collections.abc import Iterator
from typing import Any

from services.lib import timefmt
from sim.apiserver.protoschema import KINDS, MESSAGES, Field
from sim.apiserver.resources import Obj

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"
_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5


class ProtobufError(ValueError):
    """A body that is not a Kubernetes protobuf object this server can read; the message says why."""


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """The varint starting at `at` and the offset after it."""
    value, shift = 0, 0
    while at < len(data) and shift < 70:
        byte = data[at]
        value, at, shift = value | (byte & 0x7F) << shift, at + 1, shift + 7
        if byte < 0x80:
            return value, at
    raise ProtobufError("truncated or overlong varint")


def fields(data: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) of every field of a message; ints for varints and fixed, bytes else."""
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == _VARINT:
            value, at = _varint(data, at)
            yield number, wire, value
        elif wire in (_FIXED64, _FIXED32):
            size = 8 if wire == _FIXED64 else 4
            if at + size > len(data):
                raise ProtobufError(f"truncated fixed-width field {number}")
            yield number, wire, int.from_bytes(data[at : at + size], "little")
            at += size
        elif wire == _BYTES:
            size, at = _varint(data, at)
            if at + size > len(data):
                raise ProtobufError(f"field {number} runs past the end of its message")
            yield number, wire, data[at : at + size]
            at += size
        else:
            raise ProtobufError(f"unsupported wire type {wire} in field {number}")


def unwrap(body: bytes) -> tuple[str, str, bytes]:
    """(apiVersion, kind, raw message) of an enveloped object."""
    if not body.startswith(MAGIC):
        raise ProtobufError("the body does not start with the k8s protobuf magic number")
    envelope = {number: value for number, _, value in fields(body[len(MAGIC) :])}
    type_meta = {number: value for number, _, value in fields(_bytes(envelope.get(1, b"")))}
    if _text(envelope.get(3, b"")):
        raise ProtobufError(f"unsupported content encoding {_text(envelope[3])!r}")
    return _text(type_meta.get(1, b"")), _text(type_meta.get(2, b"")), _bytes(envelope.get(2, b""))


def decode(body: bytes) -> Obj:
    """The object in a protobuf request body, as JSON would show it."""
    api_version, kind, raw = unwrap(body)
    name = KINDS.get((api_version, kind))
    if name is None:
        raise ProtobufError(f"no protobuf decoding for {api_version or '<none>'}/{kind or '<none>'}; send JSON")
    return {"apiVersion": api_version, "kind": kind, **message(name, raw)}


def message(name: str, data: bytes) -> Obj:
    """One message of the schema as a dict."""
    schema = MESSAGES[name]
    out: Obj = {}
    for number, _, value in fields(data):
        field = schema.get(number)
        if field is None:
            continue  # a field this server does not read
        decoded = _value(field, value)
        if field.repeated:
            out.setdefault(field.name, []).append(decoded)
        elif field.map:
            key, item = decoded
            out.setdefault(field.name, {})[key] = item
        else:
            out[field.name] = decoded
    return {key: value for key, value in out.items() if _kept(schema, key, value)}


def _kept(schema: dict[int, Field], key: str, value: Any) -> bool:
    pointer = next(field.pointer for field in schema.values() if field.name == key)
    return value is not None and (pointer or isinstance(value, dict) or value not in ("", 0, [], {}))


def _value(field: Field, value: int | bytes) -> Any:
    if field.map:
        entry = {number: item for number, _, item in fields(_bytes(value))}
        return _text(entry.get(1, b"")), _scalar(field.kind, entry.get(2, b"" if field.kind != "int" else 0))
    return _scalar(field.kind, value)


def _scalar(kind: str, value: int | bytes) -> Any:
    if kind == "int":
        number = _int(value)
        return number - (1 << 64) if number >= 1 << 63 else number
    if kind == "bool":
        return bool(_int(value))
    if kind == "str":
        return _text(value)
    if kind in ("Time", "MicroTime"):
        return _time(_bytes(value), micro=kind == "MicroTime")
    if kind == "Quantity":
        return _text(dict((number, item) for number, _, item in fields(_bytes(value))).get(1, b"")) or "0"
    if kind == "IntOrString":
        parts = {number: item for number, _, item in fields(_bytes(value))}
        return _text(parts.get(3, b"")) if _int(parts.get(1, 0)) == 1 else _scalar("int", parts.get(2, 0))
    return message(kind, _bytes(value))


def _time(data: bytes, micro: bool) -> str | None:
    """A metav1.Time or MicroTime (seconds and nanos since the epoch); None for the zero time."""
    parts = {number: _int(item) for number, _, item in fields(data)}
    if not data:
        return None
    ns = _scalar("int", parts.get(1, 0)) * 10**9 + parts.get(2, 0)
    if not micro:
        return timefmt.rfc3339(ns)
    return f"{timefmt.rfc3339(ns)[:-1]}.{ns // 1000 % 10**6:06d}Z"


def _int(value: int | bytes) -> int:
    if not isinstance(value, int):
        raise ProtobufError("expected a varint, found a length-delimited field")
    return value


def _bytes(value: int | bytes) -> bytes:
    if not isinstance(value, bytes):
        raise ProtobufError("expected a length-delimited field, found a varint")
    return value


def _text(value: int | bytes) -> str:
    try:
        return _bytes(value).decode()
    except UnicodeDecodeError:
        raise ProtobufError("a string field is not UTF-8") from None
