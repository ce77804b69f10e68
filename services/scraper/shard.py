"""Which replica scrapes which node: rendezvous (highest-random-weight) hashing over the live replicas.

Every replica computes the same owner for a node from the same member list, without talking to the others. When a
replica joins it takes only the nodes it now wins; when one leaves, only its nodes move, each to its runner-up.
"""

import hashlib
from collections.abc import Iterable


def weight(member: str, node: str) -> int:
    """A stable pseudo-random score of the pair: the same in every process and Python version."""
    digest = hashlib.blake2b(f"{member}\0{node}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def owner(node: str, members: Iterable[str]) -> str | None:
    """The member that scrapes `node`; None when there are no members."""
    return max(members, key=lambda member: (weight(member, node), member), default=None)


def share(nodes: Iterable[str], members: frozenset[str], me: str) -> set[str]:
    """The nodes `me` scrapes. A replica that does not see itself among the members yet scrapes as if it were one:
    it is about to be, and scraping a node twice is harmless, while leaving one unscraped is not."""
    everyone = members | {me}
    return {node for node in nodes if owner(node, everyone) == me}
