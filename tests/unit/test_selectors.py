"""Label and field selectors with the whole Kubernetes grammar, and clear errors for the rest."""

import pytest

from services.lib import selectors

WEB = {"app": "web", "tier": "frontend", "replicas": "3"}


@pytest.mark.parametrize(
    ("selector", "matches"),
    [
        ("", True),
        ("app=web", True),
        ("app==web", True),
        ("app!=web", False),
        ("app", True),
        ("!app", False),
        ("canary", False),
        ("!canary", True),
        ("tier in (frontend,backend)", True),
        ("tier notin (frontend)", False),
        ("app=web,tier=backend", False),
        ("app=web, tier in (frontend), !canary", True),
        ("replicas>2", True),
        ("replicas<3", False),
        ("app in (web)", True),
        ("missing notin (x)", True),
        ("missing!=x", True),
        ("example.com/team=a", False),
    ],
)
def test_a_label_selector_matches_as_kubernetes_does(selector: str, matches: bool) -> None:
    assert selectors.parse_labels(selector).matches(WEB) is matches


@pytest.mark.parametrize(
    "selector",
    [
        "=web",
        "app=web=x",
        "app in ()",
        "app in (a",
        "app notin a",
        "bad key=x",
        "app=val ue",
        "-app=x",
        "a>b",
        "x" * 64 + "=a",
        "app=" + "v" * 64,
    ],
)
def test_a_malformed_label_selector_is_refused_with_a_reason(selector: str) -> None:
    with pytest.raises(selectors.SelectorError, match="unable to parse requirement"):
        selectors.parse_labels(selector)


def test_selectors_combine_with_and() -> None:
    combined = selectors.parse_labels("app=web") & selectors.parse_labels("tier!=frontend")
    assert not combined.matches(WEB)


def test_field_selectors_compare_values_with_escapes() -> None:
    selector = selectors.parse_fields(r"metadata.name=a\,b,metadata.namespace!=kube-system")
    assert selector.fields() == {"metadata.name", "metadata.namespace"}
    assert selector.matches({"metadata.name": "a,b", "metadata.namespace": "default"})
    assert not selector.matches({"metadata.name": "a,b", "metadata.namespace": "kube-system"})
    assert selector.value("metadata.name") == "a,b"
    assert selectors.parse_fields("metadata.name==x").value("metadata.name") == "x"


@pytest.mark.parametrize("selector", ["metadata.name", "=x", "novalue"])
def test_a_malformed_field_selector_is_refused(selector: str) -> None:
    with pytest.raises(selectors.SelectorError):
        selectors.parse_fields(selector)
