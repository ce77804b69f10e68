"""Load a service's Config Struct from its environment (`PREFIX_FIELD_NAME`) and command-line flags (`--field-name`).

Flags win over the environment. Fields marked `DURATION` take Go durations ('15s', '1m30s') and hold seconds; list
fields take comma-separated values; boolean flags may be given bare (`--kubelet-insecure-tls`), as in Go's pflag.
"""

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, TypeVar

import msgspec

from services import __version__
from services.lib import timefmt

T = TypeVar("T")
DURATION = {"duration": True}  # Meta(extra=DURATION) on a float field: seconds, written as a Go duration


class ConfigError(ValueError):
    """Configuration that a service must refuse to start with."""


class NatsConnection(msgspec.Struct, frozen=True, kw_only=True):
    """How every service reaches NATS: the flags it shares with the others."""

    nats_url: Annotated[
        str, msgspec.Meta(description="NATS server with JetStream; tls:// requires TLS, as does --nats-tls-ca-file")
    ] = "nats://127.0.0.1:4222"
    nats_credentials_file: Annotated[
        str, msgspec.Meta(description="File holding user:password for NATS; empty connects without credentials")
    ] = ""
    nats_tls_ca_file: Annotated[
        str, msgspec.Meta(description="CA bundle that verifies the NATS server's certificate; implies TLS")
    ] = ""


def host_port(address: str) -> tuple[str, int]:
    """('0.0.0.0', 8080) from ':8080', ('127.0.0.1', 8080) from '127.0.0.1:8080'; port 0 means disabled."""
    host, _, port = address.rpartition(":")
    return host.strip("[]") or "0.0.0.0", int(port)


def flag_name(field: str) -> str:
    """The command-line flag for a Config field, e.g. metric_resolution -> --metric-resolution."""
    return "--" + field.replace("_", "-")


def load(config_type: type[T], environ: Mapping[str, str], argv: Sequence[str], prefix: str, prog: str = "") -> T:
    """The Config from `PREFIX_*` variables overlaid with flags; ConfigError names the offending field.

    `prog` names the program in `--help`; by default `python -m services.<prefix>`.
    """
    fields = _fields(config_type)
    raw: dict[str, Any] = {
        key[len(prefix) :].lower(): value for key, value in environ.items() if key.startswith(prefix)
    }
    raw.update(
        _parse_flags(config_type, fields, argv, prefix, prog or f"python -m services.{prefix.rstrip('_').lower()}")
    )
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ConfigError(f"unknown setting {prefix}{unknown[0].upper()} (flag {flag_name(unknown[0])})")
    try:
        normalised = {name: _normalise(fields[name], name, value) for name, value in raw.items()}
        return msgspec.convert(normalised, config_type, strict=False)
    except msgspec.ValidationError as error:
        raise ConfigError(_explain(str(error))) from None


def load_or_exit(config_type: type[T], prefix: str, prog: str = "") -> T:
    """The Config of this process from its environment and argv; on ConfigError, exit naming the problem."""
    try:
        return load(config_type, os.environ, sys.argv[1:], prefix, prog)
    except ConfigError as error:
        sys.exit(f"{prefix.rstrip('_').lower()}: {error}")


def _fields(config_type: type) -> dict[str, msgspec.inspect.Field]:
    info = msgspec.inspect.type_info(config_type)
    assert isinstance(info, msgspec.inspect.StructType)
    return {field.name: field for field in info.fields}


def _parse_flags(
    config_type: type, fields: dict[str, msgspec.inspect.Field], argv: Sequence[str], prefix: str, prog: str
) -> dict[str, str]:
    parser = argparse.ArgumentParser(
        prog=prog,
        description=(config_type.__doc__ or "").strip(),
        argument_default=argparse.SUPPRESS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"flowmeter {__version__}", help="Print the version and exit"
    )
    for name, field in fields.items():
        names = [flag_name(name), *_extra(field).get("short", ())]
        is_bool = isinstance(_base(field.type), msgspec.inspect.BoolType)
        parser.add_argument(
            *names,
            dest=name,
            nargs="?" if is_bool else None,
            const="true" if is_bool else None,
            metavar="true|false" if is_bool else _metavar(field),
            help=_help(field, prefix),
        )
    return {key: value for key, value in vars(parser.parse_args(list(argv))).items()}


def _base(kind: msgspec.inspect.Type) -> msgspec.inspect.Type:
    return kind.type if isinstance(kind, msgspec.inspect.Metadata) else kind


def _extra(field: msgspec.inspect.Field) -> dict[str, Any]:
    kind = field.type
    return (kind.extra or {}) if isinstance(kind, msgspec.inspect.Metadata) else {}


def _metavar(field: msgspec.inspect.Field) -> str:
    if _extra(field).get("duration"):
        return "duration"
    return {
        "IntType": "int",
        "FloatType": "float",
        "ListType": "strings",
        "TupleType": "strings",
        "VarTupleType": "strings",
    }.get(type(_base(field.type)).__name__, "string")


def _help(field: msgspec.inspect.Field, prefix: str) -> str:
    kind = field.type
    description = (
        (kind.extra_json_schema or {}).get("description", "") if isinstance(kind, msgspec.inspect.Metadata) else ""
    )
    default = field.default
    if _extra(field).get("duration") and isinstance(default, int | float):
        default = timefmt.format_duration(round(default * 1e9))
    elif isinstance(default, tuple | list):
        default = ",".join(map(str, default))
    elif isinstance(default, bool):
        default = str(default).lower()
    return f"{description} (default {default!r}; env {prefix}{field.name.upper()})".replace("%", "%%")


def _normalise(field: msgspec.inspect.Field, name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if _extra(field).get("duration"):
        try:
            return timefmt.parse_duration(value) / 1e9
        except timefmt.DurationError as error:
            raise ConfigError(f"{flag_name(name)}: {error}") from None
    if isinstance(_base(field.type), msgspec.inspect.ListType | msgspec.inspect.VarTupleType):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _explain(message: str) -> str:
    """Turn msgspec's `Expected ... - at `$.metric_resolution`` into a message that names the flag."""
    reason, separator, path = message.rpartition(" - at `$.")
    if not separator:
        return message
    field = path.rstrip("`").split(".")[0].split("[")[0]
    return f"{flag_name(field)}: {reason}"
