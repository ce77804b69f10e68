"""Who may do what on NATS: one user per service with only the subjects it needs, and the server config for them.

Derived from the contract in `services.events`: the scraper may only publish samples, the store may read samples
and publish rates, the api may only read rates, the autoscaler may read rates and write decisions and its own KV, the
console may read rates and decisions and keep its usage history in USAGE.
JetStream's API is reached through `$JS.API.*` subjects, so each user gets exactly its streams' part of it.
"""

import json
import os
import secrets
import ssl
from pathlib import Path

from services import events
from services.lib.lifecycle import StartupError


def inbox_prefix(user: str) -> str:
    """Each user's own inbox for replies (publish acks, JetStream API answers) and its consumers' deliveries.

    With the shared default `_INBOX`, any client could subscribe to another's replies and read its events.
    """
    return f"_INBOX_{user}"


def _stream_admin(name: str) -> list[str]:
    return [f"$JS.API.STREAM.CREATE.{name}", f"$JS.API.STREAM.UPDATE.{name}", f"$JS.API.STREAM.INFO.{name}"]


def _reader(name: str) -> list[str]:
    return [f"$JS.API.STREAM.INFO.{name}", f"$JS.API.CONSUMER.CREATE.{name}", f"$JS.API.CONSUMER.CREATE.{name}.>",
            f"$JS.API.CONSUMER.DELETE.{name}.>", f"$JS.API.CONSUMER.INFO.{name}.>", f"$JS.FC.{name}.>"]  # fmt: skip


def _kv(bucket: str) -> list[str]:
    stream = f"KV_{bucket}"
    return [
        f"$KV.{bucket}.>",
        *_stream_admin(stream),
        f"$JS.API.DIRECT.GET.{stream}.>",
        f"$JS.API.STREAM.MSG.GET.{stream}",
    ]


def permissions(service: str) -> dict[str, list[str]]:
    """Subjects a service may publish to, and subscribe to."""
    samples, rates, decisions, usage = events.SAMPLES, events.RATES, events.DECISIONS, events.USAGE
    state = [*_kv(events.HISTORY_BUCKET), *_kv(events.LEADER_BUCKET)]
    publish = {
        "scraper": [
            *samples.subjects,
            *_stream_admin(samples.name),
            *_kv(events.SCRAPER_BUCKET),
            *_reader(f"KV_{events.SCRAPER_BUCKET}"),
        ],
        "store": [
            *rates.subjects,
            *_stream_admin(rates.name),
            *_reader(samples.name),
            *_kv(events.STORE_BUCKET),
            *_reader(f"KV_{events.STORE_BUCKET}"),
        ],
        "api": _reader(rates.name),
        "autoscaler": [*decisions.subjects, *_stream_admin(decisions.name), *_reader(rates.name), *state],
        "console": [
            *usage.subjects,
            *_stream_admin(usage.name),
            *_reader(usage.name),
            *_reader(rates.name),
            *_reader(decisions.name),
        ],
    }[service]
    allowed = ["$JS.API.INFO", *publish]
    return {"publish": list(dict.fromkeys(allowed)), "subscribe": [f"{inbox_prefix(service)}.>"]}


SERVICES = ("scraper", "store", "api", "autoscaler")
USERS = (*SERVICES, "console")  # the console, and people, read rates and decisions; the console records USAGE


def authorization(passwords: dict[str, str]) -> str:
    """The `authorization` block of a nats-server configuration: one locked-down user per entry of `passwords`."""
    users = [{"user": name, "password": password, "permissions": {
        "publish": {"allow": permissions(name)["publish"]}, "subscribe": {"allow": permissions(name)["subscribe"]}}}
        for name, password in passwords.items()]  # fmt: skip
    return f"authorization: {{ users: {json.dumps(users, indent=2)} }}\n"


def server_config(host: str, port: int, store_dir: Path, passwords: dict[str, str]) -> str:
    """A nats-server configuration with JetStream and one locked-down user per service (port -1: any free port)."""
    return "\n".join([
        f"host: {json.dumps(host)}",
        f"port: {port}",
        f"jetstream: {{ store_dir: {json.dumps(str(store_dir))} }}",
        "max_payload: 8MB",
        authorization(passwords),
    ])  # fmt: skip


def new_passwords(users: tuple[str, ...] = ()) -> dict[str, str]:
    """A fresh random password per user (all of USERS by default)."""
    return {user: secrets.token_urlsafe(32) for user in users or USERS}


def credentials(user: str, password: str) -> str:
    """A credentials file's content, as `read_credentials` reads it."""
    return f"{user}:{password}\n"


def provision(directory: Path, host: str, port: int, store_dir: Path, users: tuple[str, ...] = USERS) -> Path:
    """Fresh random passwords: `<directory>/nats.conf` and one `<user>.creds` per user, readable by the owner only.

    Returns the configuration's path, for `nats-server -c`.
    """
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    passwords = new_passwords(users)
    for user, password in passwords.items():
        _write_private(directory / f"{user}.creds", credentials(user, password))
    config = directory / "nats.conf"
    _write_private(config, server_config(host, port, store_dir, passwords))
    return config


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


def read_credentials(path: str) -> tuple[str, str] | None:
    """(user, password) from a credentials file holding `user:password`, or None without a file."""
    if not path:
        return None
    try:
        user, _, password = Path(path).read_text().strip().partition(":")
    except OSError as error:
        raise StartupError(f"cannot read the NATS credentials file {path}: {error.strerror}") from None
    if not user or not password:
        raise StartupError(f"the NATS credentials file {path} must hold user:password")
    return user, password


def client_tls(ca_file: str) -> ssl.SSLContext | None:
    """TLS 1.2+ verifying the NATS server against `ca_file`, or None for plain connections."""
    if not ca_file:
        return None
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_verify_locations(cafile=ca_file)
    except (OSError, ssl.SSLError) as error:
        raise StartupError(f"cannot load the NATS CA file {ca_file}: {error}") from None
    return context
