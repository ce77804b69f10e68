"""The cluster's identities and the static token file, read as kube-apiserver's --token-auth-file reader reads it."""

import pytest

from sim import identities
from sim.identities import Identity


def test_a_rendered_token_file_reads_back_with_quoted_group_lists() -> None:
    entries = [("t-admin", identities.IDENTITIES["admin"]), ("t-scraper", identities.IDENTITIES["scraper"]),
               ("t-viewer", identities.IDENTITIES["viewer"])]  # fmt: skip

    text = identities.render(entries)

    assert text.splitlines() == [
        "t-admin,admin,sim-user-admin,system:masters",
        "t-scraper,system:serviceaccount:flowmeter:flowmeter-scraper,sim-sa-flowmeter-flowmeter-scraper,"
        '"system:serviceaccounts,system:serviceaccounts:flowmeter"',
        "t-viewer,viewer,sim-user-viewer",
    ]
    assert identities.parse(text) == dict(entries)


def test_records_are_read_as_kube_reads_them() -> None:
    text = '\nabc, alice, 1001, "dev,ops"\n,skipped,1002\ndup,first,1\ndup,second,2\nx,bob,1003,\n'

    table = identities.parse(text)

    assert table == {
        "abc": Identity("alice", "1001", ("dev", "ops")),  # spaces after commas are trimmed
        "dup": Identity("second", "2"),  # a later duplicate wins
        "x": Identity("bob", "1003", ("",)),  # an empty groups column is one empty group, as strings.Split gives
    }  # the empty token is skipped, blank lines too


def test_a_record_with_fewer_than_three_columns_is_refused_naming_it() -> None:
    with pytest.raises(identities.TokenFileError, match=r"record 2 must have at least 3 columns .* found 2"):
        identities.parse("a,alice,1\nb,bob\n")


def test_every_service_is_a_service_account_of_the_flowmeter_namespace() -> None:
    scraper = identities.IDENTITIES["scraper"]

    assert scraper.name == "system:serviceaccount:flowmeter:flowmeter-scraper"
    assert scraper.groups == ("system:serviceaccounts", "system:serviceaccounts:flowmeter")
    assert [identities.IDENTITIES[key].name for key in identities.PEOPLE] == ["admin", "viewer", "nobody"]
    assert identities.IDENTITIES["admin"].groups == (identities.MASTERS,)
    assert identities.IDENTITIES[identities.KUBELETS].name == "flowmeter-sim-kubelets"


def test_tokens_by_user_maps_each_name_to_its_token() -> None:
    table = {"t1": Identity("alice", "1"), "t2": Identity("bob", "2")}

    assert identities.tokens_by_user(table) == {"alice": "t1", "bob": "t2"}
