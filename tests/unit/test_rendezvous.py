"""Scraper replicas share nodes by rendezvous hashing: every replica agrees on the owner of every node, and a
replica joining or leaving moves only its own share."""

from services.lib import rendezvous

NODES = [f"node-{i}" for i in range(3000)]


def owners(members: set[str]) -> dict[str, str | None]:
    return {node: rendezvous.owner(node, members) for node in NODES}


def test_each_node_has_exactly_one_owner_and_the_shares_are_about_even() -> None:
    members = frozenset({"scraper-a", "scraper-b", "scraper-c"})

    shares = {member: rendezvous.share(NODES, members, member) for member in members}

    assert sum(len(nodes) for nodes in shares.values()) == len(NODES)
    assert set().union(*shares.values()) == set(NODES)
    assert all(850 < len(nodes) < 1150 for nodes in shares.values()), {m: len(n) for m, n in shares.items()}


def test_a_third_replica_joining_takes_only_nodes_from_the_other_two() -> None:
    before, after = owners({"scraper-a", "scraper-b"}), owners({"scraper-a", "scraper-b", "scraper-c"})

    moved = {node for node in NODES if before[node] != after[node]}

    assert moved and all(after[node] == "scraper-c" for node in moved)
    assert 850 < len(moved) < 1150, "the newcomer takes about a third, no more"


def test_a_replica_leaving_hands_over_only_its_own_nodes() -> None:
    before, after = owners({"scraper-a", "scraper-b", "scraper-c"}), owners({"scraper-a", "scraper-c"})

    moved = {node for node in NODES if before[node] != after[node]}

    assert moved == {node for node in NODES if before[node] == "scraper-b"}


def test_the_owner_does_not_depend_on_the_order_members_are_listed_in() -> None:
    assert rendezvous.owner("node-7", ["a", "b", "c"]) == rendezvous.owner("node-7", ["c", "a", "b"])
    assert rendezvous.owner("node-7", []) is None


def test_a_replica_not_yet_in_the_membership_scrapes_as_if_it_had_joined() -> None:
    joined = rendezvous.share(NODES, frozenset({"scraper-a", "scraper-b"}), "scraper-b")
    starting = rendezvous.share(NODES, frozenset({"scraper-a"}), "scraper-b")

    assert starting == joined
    assert rendezvous.share(NODES, frozenset(), "alone") == set(NODES)
