"""Who exists in the simulated cluster, and kube-apiserver's static token file (`--token-auth-file`) they live in.

Each identity has a short key that names its kubeconfig: people (`admin`, `viewer`, `nobody`), one service account
per Flowmeter service (`scraper`, `store`, `api`, `autoscaler`) and the simulated kubelets' own user (`kubelets`).
The token file is CSV, one `token,user,uid,"group1,group2"` record per line, read the way kube-apiserver reads it:
at least three columns, an empty token skipped, a later duplicate winning, groups split on commas. Pure.
"""

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MASTERS = "system:masters"
SERVICE_NAMESPACE = "flowmeter"


@dataclass(frozen=True)
class Identity:
    """A user as an authenticator names it (the system:authenticated group is added on authentication)."""

    name: str
    uid: str
    groups: tuple[str, ...] = ()


class TokenFileError(ValueError):
    """A token file kube-apiserver would refuse to start with; the message names the record."""


def service_account(name: str, namespace: str = SERVICE_NAMESPACE) -> Identity:
    """The identity a service account's token carries."""
    groups = ("system:serviceaccounts", f"system:serviceaccounts:{namespace}")
    return Identity(f"system:serviceaccount:{namespace}:{name}", f"sim-sa-{namespace}-{name}", groups)


PEOPLE = ("admin", "viewer", "nobody")  # the contexts of the users kubeconfig, admin first
SERVICES = ("scraper", "store", "api", "autoscaler")
KUBELETS = "kubelets"
IDENTITIES: Mapping[str, Identity] = {
    "admin": Identity("admin", "sim-user-admin", (MASTERS,)),
    "viewer": Identity("viewer", "sim-user-viewer"),
    "nobody": Identity("nobody", "sim-user-nobody"),
    **{service: service_account(f"flowmeter-{service}") for service in SERVICES},
    KUBELETS: Identity("flowmeter-sim-kubelets", "sim-user-kubelets"),
}


def render(tokens: Iterable[tuple[str, Identity]]) -> str:
    """A token file with one record per (token, identity); the groups column only when there are groups."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for token, identity in tokens:
        groups = [",".join(identity.groups)] if identity.groups else []
        writer.writerow([token, identity.name, identity.uid, *groups])
    return out.getvalue()


def parse(text: str) -> dict[str, Identity]:
    """Token -> identity; TokenFileError for a record with fewer than three columns."""
    found: dict[str, Identity] = {}
    records = (record for record in csv.reader(io.StringIO(text), skipinitialspace=True) if record)
    for number, record in enumerate(records, start=1):
        if len(record) < 3:
            raise TokenFileError(f"token file record {number} must have at least 3 columns (token, user name, "
                                 f"user uid), found {len(record)}")  # fmt: skip
        if not record[0]:
            continue  # kube-apiserver warns and skips an empty token
        groups = tuple(record[3].split(",")) if len(record) > 3 else ()
        found[record[0]] = Identity(record[1], record[2], groups)
    return found


def tokens_by_user(table: Mapping[str, Identity]) -> dict[str, str]:
    """User name -> one of its tokens (the last in the file), for writing kubeconfigs."""
    return {identity.name: token for token, identity in table.items()}
