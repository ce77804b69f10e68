"""The run directory's credentials: the token file and the kubeconfigs written from it."""

import json
from pathlib import Path

from sim import identities, pki


def test_every_identity_gets_a_token_once_and_admin_keeps_the_fixed_one(tmp_path: Path) -> None:
    layout = pki.Layout(tmp_path)
    pki.ensure(layout)
    first = pki.read_tokens(layout)
    pki.ensure(layout)

    assert pki.read_tokens(layout) == first, "kept across restarts"
    assert sorted(identity.name for identity in first.values()) == sorted(
        identity.name for identity in identities.IDENTITIES.values())  # fmt: skip
    assert first[pki.ADMIN_TOKEN] == identities.IDENTITIES["admin"]
    assert len(set(first)) == len(first) and layout.tokens.stat().st_mode & 0o077 == 0


def test_a_token_file_missing_identities_gets_them_added_and_keeps_the_rest(tmp_path: Path) -> None:
    layout = pki.Layout(tmp_path)
    layout.pki.mkdir()
    layout.tokens.write_text('mine,viewer,sim-user-viewer\nextra,eve,uid-eve,"ops"\n')

    pki.ensure(layout)
    table = pki.read_tokens(layout)

    assert table["mine"] == identities.IDENTITIES["viewer"] and table["extra"] == identities.Identity(
        "eve", "uid-eve", ("ops",)
    )
    assert len(table) == len(identities.IDENTITIES) + 1


def test_kubeconfigs_carry_each_identitys_token_and_the_users_file_three_contexts(tmp_path: Path) -> None:
    layout = pki.Layout(tmp_path)
    pki.ensure(layout)

    pki.write_kubeconfigs(layout, "https://127.0.0.1:6443")
    people = json.loads(layout.users_kubeconfig.read_text())
    scraper = json.loads(layout.service_kubeconfig("scraper").read_text())

    assert [c["name"] for c in people["contexts"]] == ["admin", "viewer", "nobody"]
    assert people["current-context"] == "admin" and len(people["clusters"]) == 1
    assert {u["name"]: u["user"]["token"] for u in people["users"]} == {
        key: pki.token_of(layout, key) for key in identities.PEOPLE}  # fmt: skip
    assert scraper["users"][0]["user"]["token"] == pki.token_of(layout, "scraper")
    assert scraper["clusters"][0]["cluster"]["server"] == "https://127.0.0.1:6443"
    for key in (*identities.SERVICES, identities.KUBELETS):
        assert layout.service_kubeconfig(key) == tmp_path / "kubeconfigs" / f"{key}.kubeconfig"
        assert layout.service_kubeconfig(key).exists()
    assert json.loads(layout.admin_kubeconfig.read_text())["users"][0]["user"]["token"] == pki.ADMIN_TOKEN
