"""Which replica takes which item (a node to scrape, a partition to fold): rendezvous (highest-random-weight) hashing
over the live replicas.

Every replica computes the same owner for an item from the same member list, without talking to the others. When a
replica joins it takes only the items it now wins; when one leaves, only its items move, each to its runner-up.
"""

import hashlib
from collections.abc import Iterable


def weight(member: str, item: str) -> int:
    """A stable pseudo-random score of the pair: the same in every process and Python version."""
    digest = hashlib.blake2b(f"{member}\0{item}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def owner(item: str, members: Iterable[str]) -> str | None:
    """The member that takes `item`; None when there are no members."""
    return max(members, key=lambda member: (weight(member, item), member), default=None)


def share(items: Iterable[str], members: frozenset[str], me: str) -> set[str]:
    """The items `me` takes. A replica that does not see itself among the members yet counts as one: it is about
    to be, and an item taken twice for a moment is harmless (its events carry their identity), one left out is not."""
    everyone = members | {me}
    return {item for item in items if owner(item, everyone) == me}
