"""User impersonation (`kubectl --as viewer --as-group g`), as kube-apiserver's impersonation filter reads the
`Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid` and `Impersonate-Extra-<key>` headers (pure).

Each thing asked for is an `impersonate` request the real caller must be allowed: users (or serviceaccounts in their
namespace), groups, uids and userextras/<key>. The impersonated user is in system:authenticated (system:unauthenticated
for system:anonymous); a service account also in system:serviceaccounts and system:serviceaccounts:<namespace>.
"""

from collections.abc import Sequence
from urllib.parse import unquote

from sim.apiserver import errors
from sim.apiserver.authn import ANONYMOUS, AUTHENTICATED, UNAUTHENTICATED, User
from sim.apiserver.rbac import Attributes

Headers = Sequence[tuple[str, str]]  # lower-case names, repeated names kept
_SERVICE_ACCOUNT = "system:serviceaccount:"
_EXTRA = "impersonate-extra-"


def requested(headers: Headers) -> User | None:
    """The user the headers ask to act as; None when they ask for nothing; ApiError 400 for groups without a user."""
    user = next((value for name, value in headers if name == "impersonate-user"), None)
    groups = tuple(value for name, value in headers if name == "impersonate-group")
    uid = next((value for name, value in headers if name == "impersonate-uid"), "")
    extra: dict[str, tuple[str, ...]] = {}
    for name, value in headers:
        if name.startswith(_EXTRA):
            key = unquote(name.removeprefix(_EXTRA))
            extra[key] = (*extra.get(key, ()), value)
    if user is None:
        if groups or uid or extra:
            raise errors.bad_request("requested impersonation of groups, uid or extra without impersonating a user")
        return None
    return User(user, groups, uid, extra)


def checks(wanted: User) -> list[Attributes]:
    """The impersonate requests the caller must be allowed, in the order kube checks them."""
    asked = [_user_check(wanted.name)]
    asked += [Attributes("impersonate", resource="groups", name=group) for group in wanted.groups]
    for key, values in wanted.extra.items():
        asked += [Attributes("impersonate", group="authentication.k8s.io", resource="userextras", subresource=key,
                             name=value) for value in values]  # fmt: skip
    if wanted.uid:
        asked.append(Attributes("impersonate", group="authentication.k8s.io", resource="uids", name=wanted.uid))
    return asked


def _user_check(name: str) -> Attributes:
    if name.startswith(_SERVICE_ACCOUNT) and name.count(":") == 3:
        namespace, account = name.removeprefix(_SERVICE_ACCOUNT).split(":")
        return Attributes("impersonate", namespace=namespace, resource="serviceaccounts", name=account)
    return Attributes("impersonate", resource="users", name=name)


def as_user(wanted: User) -> User:
    """The identity the request then carries."""
    groups = list(wanted.groups)
    if wanted.name.startswith(_SERVICE_ACCOUNT) and wanted.name.count(":") == 3:
        namespace = wanted.name.split(":")[2]
        groups = ["system:serviceaccounts", f"system:serviceaccounts:{namespace}", *groups]
    implied = UNAUTHENTICATED if wanted.name == ANONYMOUS.name else AUTHENTICATED
    if implied not in groups:
        groups.append(implied)
    return User(wanted.name, tuple(dict.fromkeys(groups)), wanted.uid, wanted.extra)
