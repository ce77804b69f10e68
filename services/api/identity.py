"""Who a request comes from, as an aggregated API server decides it (pure).

A client certificate signed by the requestheader CA (with an allowed CN, if names are configured) marks the front
proxy: only then are the X-Remote-* headers believed. A certificate signed by the client CA names the user (CN) and
groups (O). Bearer tokens are left to TokenReview. Anything else is anonymous.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import NameOID

Headers = Sequence[tuple[str, str]]  # lower-cased names, in order, repeated names kept


@dataclass(frozen=True)
class User:
    name: str
    groups: tuple[str, ...] = ()
    uid: str = ""
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)


ANONYMOUS = User("system:anonymous", ("system:unauthenticated",))


@dataclass(frozen=True)
class ProxySettings:
    """--requestheader-* settings."""

    allowed_names: tuple[str, ...]
    username_headers: tuple[str, ...]
    group_headers: tuple[str, ...]
    extra_prefixes: tuple[str, ...]
    uid_headers: tuple[str, ...] = ()


def signed_by(cert: x509.Certificate, authorities: Sequence[x509.Certificate]) -> bool:
    """Whether one of the authorities issued the certificate (the TLS handshake already verified the chain)."""
    for authority in authorities:
        try:
            cert.verify_directly_issued_by(authority)
            return True
        except (ValueError, TypeError, InvalidSignature):
            continue
    return False


def common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def from_client_certificate(cert: x509.Certificate) -> User:
    """A user named by a client certificate: CN is the name, each O a group."""
    groups = tuple(str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME))
    return User(common_name(cert), (*groups, "system:authenticated"))


def is_allowed_proxy(cert: x509.Certificate, settings: ProxySettings) -> bool:
    """A front-proxy certificate is trusted when no names are configured, or its CN is one of them."""
    return not settings.allowed_names or common_name(cert) in settings.allowed_names


def from_headers(headers: Headers, settings: ProxySettings) -> User | None:
    """The user the front proxy asserts, or None when it asserts none."""

    def values(names: tuple[str, ...]) -> list[str]:
        wanted = {n.lower() for n in names}
        return [value for name, value in headers if name in wanted]

    users = values(settings.username_headers)
    if not users:
        return None
    extra: dict[str, list[str]] = {}
    for name, value in headers:
        for prefix in settings.extra_prefixes:
            if name.startswith(prefix.lower()):
                extra.setdefault(name[len(prefix) :], []).append(value)
    uids = values(settings.uid_headers)
    groups = tuple(values(settings.group_headers))
    return User(users[0], groups, uids[0] if uids else "", {k: tuple(v) for k, v in extra.items()})


def identity_headers(settings: ProxySettings) -> set[str]:
    """Header names that assert identity, which must be ignored from anyone but the front proxy."""
    names = {n.lower() for n in (*settings.username_headers, *settings.group_headers, *settings.uid_headers)}
    return names


def bearer_token(headers: Headers) -> str | None:
    for name, value in headers:
        if name == "authorization" and value[:7].lower() == "bearer ":
            return value[7:].strip() or None
    return None
