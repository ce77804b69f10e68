"""Who is asking, as kube-apiserver's authenticators decide it: a client certificate the TLS layer verified against
the cluster CA (CN is the user, each O a group), else a bearer token from the static token file, else anonymous.

Anonymous requests are accepted only on the public health and version paths, as kube-apiserver 1.32 does with an
AuthenticationConfiguration whose `anonymous` section lists those paths as conditions; anywhere else they, and a
bearer token that names nobody, are 401. Every authenticated user is also in `system:authenticated`. Pure: the
Authorization header, the verified certificate's subject, the path and the token table in.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from sim import identities

AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS_PATHS = frozenset({"/healthz", "/livez", "/readyz", "/version"})
Subject = tuple[tuple[tuple[str, str], ...], ...]  # ssl's getpeercert()["subject"]: RDNs of (attribute, value)


@dataclass(frozen=True)
class User:
    """An authenticated identity, as user.Info carries it."""

    name: str
    groups: tuple[str, ...] = ()
    uid: str = ""
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


ANONYMOUS = User("system:anonymous", (UNAUTHENTICATED,))


class Unauthenticated(Exception):
    """Credentials were presented and are not valid (kube answers 401 Unauthorized)."""


def authenticated(identity: identities.Identity) -> User:
    """The user an authenticator reports for a known identity."""
    groups = identity.groups if AUTHENTICATED in identity.groups else (*identity.groups, AUTHENTICATED)
    return User(identity.name, groups, identity.uid)


def from_subject(subject: Subject) -> User | None:
    """The user a verified client certificate names; None when it has no common name."""
    attributes = [pair for rdn in subject for pair in rdn]
    names = [value for key, value in attributes if key == "commonName"]
    if not names or not names[0]:
        return None
    groups = tuple(value for key, value in attributes if key == "organizationName")
    return authenticated(identities.Identity(names[0], "", groups))


def bearer_token(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None when there is no bearer token."""
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def authenticate(
    authorization: str, subject: Subject | None, path: str, tokens: Mapping[str, identities.Identity]
) -> User:
    """The caller: certificate first, then the bearer token, else anonymous on a public path; else Unauthenticated."""
    if subject is not None:
        user = from_subject(subject)
        if user is not None:
            return user
    token = bearer_token(authorization)
    if token is None:
        if path in ANONYMOUS_PATHS:
            return ANONYMOUS
        raise Unauthenticated("no credentials")
    identity = tokens.get(token)
    if identity is None:
        raise Unauthenticated("invalid bearer token")
    return authenticated(identity)
