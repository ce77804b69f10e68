"""Who is asking and whether they may: the seams where authentication and authorization plug in.

For now every request is the cluster admin (system:masters) and everything is allowed; a later issue checks bearer
tokens and client certificates here and decides on the RequestInfo, as kube-apiserver's RBAC does.
"""

from dataclasses import dataclass

from starlette.requests import Request

from sim.apiserver.requestinfo import RequestInfo


@dataclass(frozen=True)
class User:
    """An authenticated identity."""

    name: str
    groups: tuple[str, ...] = ()


ADMIN = User("admin", ("system:masters", "system:authenticated"))


def authenticate(request: Request) -> User:
    """The caller of a request (today: always the admin)."""
    del request  # bearer tokens and client certificates are read here once authentication exists
    return ADMIN


def authorize(user: User, info: RequestInfo) -> None:
    """Raise ApiError 403 if the user may not do what the request asks (today: everything is allowed)."""
    del user, info
