"""Lists: label and field selectors (full grammar), indexes, namespaces, paging with continue tokens."""

import pytest

from sim.apiserver import errors, listing
from sim.apiserver import resources as r
from sim.apiserver.registry import Registry


def names(registry: Registry, resource: r.Resource, namespace: str | None, **query: str) -> list[str]:
    options = listing.parse(resource, query)
    items, _ = listing.page(registry.store.collections[resource], namespace, options, registry.store.rv)
    return [item["metadata"]["name"] for item in items]


def test_a_namespace_lists_only_its_objects_in_name_order(registry: Registry) -> None:
    assert names(registry, r.STATEFULSETS, None) == ["prometheus", "cart"]  # monitoring < shop
    assert names(registry, r.STATEFULSETS, "shop") == ["cart"]
    assert names(registry, r.PODS, "shop", labelSelector="app=cart") == ["cart-0", "cart-1", "cart-2"]


def test_label_selectors_use_the_full_grammar(registry: Registry) -> None:
    assert names(registry, r.PODS, "shop", labelSelector="app in (cart),apps.kubernetes.io/pod-index>0") == [
        "cart-1", "cart-2"]  # fmt: skip
    assert names(registry, r.DEPLOYMENTS, None, labelSelector="app notin (web,coredns,grafana)") == [
        "checkout", "frontend", "orders", "payments"]  # fmt: skip
    assert names(registry, r.PODS, None, labelSelector="!pod-template-hash,app!=cart") == [
        "prometheus-0", "prometheus-1", "prometheus-2"]  # fmt: skip


def test_pod_field_selectors_cover_node_phase_name_and_namespace(registry: Registry) -> None:
    on_node = names(registry, r.PODS, None, fieldSelector="spec.nodeName=node-0002")
    assert len(on_node) == 10
    assert names(registry, r.PODS, None, fieldSelector="spec.nodeName=node-0002,status.phase!=Running") == []
    assert len(names(registry, r.PODS, None, fieldSelector="status.phase=Running")) == 30
    assert names(registry, r.PODS, None, fieldSelector="metadata.namespace=shop,metadata.name=cart-1") == ["cart-1"]
    assert names(registry, r.NODES, None, fieldSelector="metadata.name!=node-0001") == ["node-0002", "node-0003"]


@pytest.mark.parametrize(
    ("resource", "query", "message"),
    [
        (r.PODS, {"fieldSelector": "spec.foo=bar"}, "field label not supported: spec.foo"),
        (r.DEPLOYMENTS, {"fieldSelector": "spec.nodeName=x"}, "field label not supported: spec.nodeName"),
        (r.PODS, {"labelSelector": "app in (a"}, "unable to parse requirement"),
        (r.PODS, {"limit": "ten"}, "invalid limit"),
        (r.PODS, {"continue": "not-a-token"}, "continue key is not valid"),
    ],
)
def test_bad_selectors_and_options_are_bad_requests(resource: r.Resource, query: dict[str, str], message: str) -> None:
    with pytest.raises(errors.ApiError, match=message) as raised:
        listing.parse(resource, query)
    assert (raised.value.code, raised.value.reason) == (400, "BadRequest")


def test_events_select_on_the_involved_object_as_kubectl_describe_asks() -> None:
    options = listing.parse(r.EVENTS, {"fieldSelector": "involvedObject.name=cart-0,involvedObject.kind=Pod"})
    event = {"metadata": {"name": "e"}, "involvedObject": {"name": "cart-0", "kind": "Pod"}}

    assert listing.matcher(r.EVENTS, options)(event)
    assert not listing.matcher(r.EVENTS, options)({**event, "involvedObject": {"name": "cart-1", "kind": "Pod"}})


def test_pages_follow_continue_tokens_until_the_last_one_which_has_none(registry: Registry) -> None:
    collection, token = registry.store.collections[r.PODS], ""
    seen: list[tuple[str, str]] = []
    while True:
        options = listing.parse(r.PODS, {"limit": "7", **({"continue": token} if token else {})})
        items, token = listing.page(collection, None, options, registry.store.rv)
        seen.extend((item["metadata"]["namespace"], item["metadata"]["name"]) for item in items)
        if not token:
            break

    assert len(seen) == 30 and seen == sorted(seen)


def test_indexed_pages_resume_after_the_last_key_too(registry: Registry) -> None:
    first = listing.parse(r.PODS, {"fieldSelector": "spec.nodeName=node-0001", "limit": "6"})
    items, token = listing.page(registry.store.collections[r.PODS], None, first, registry.store.rv)
    rest = listing.parse(r.PODS, {"fieldSelector": "spec.nodeName=node-0001", "limit": "6", "continue": token})
    more, last = listing.page(registry.store.collections[r.PODS], None, rest, registry.store.rv)

    assert len(items) == 6 and len(more) == 4 and last == ""
    assert {p["spec"]["nodeName"] for p in items + more} == {"node-0001"}
