"""A kubelet's webhook authentication and authorization in front of a node's handler, with the control plane's
reviews faked and the clock in the test's hands."""

import asyncio
import logging

import pytest

from sim.kubelets import authz, httpserver, webhook

OK = httpserver.Response(status=200, body=b"metrics")
SCRAPER = authz.User("system:serviceaccount:flowmeter:flowmeter-scraper", ("system:serviceaccounts",))


class Reviews:
    """Tokens and grants of a pretend control plane, counting what it is asked."""

    def __init__(self) -> None:
        self.tokens = {"scraper-token": SCRAPER, "nobody-token": authz.User("nobody")}
        self.allowed = {SCRAPER.name}
        self.asked: list[str] = []
        self.release = asyncio.Event()
        self.release.set()
        self.failing = False

    async def token(self, token: str) -> authz.User | None:
        self.asked.append(f"token {token}")
        await self.release.wait()
        if self.failing:
            raise webhook.ReviewFailed("control plane unreachable")
        return self.tokens.get(token)

    async def access(self, user: authz.User, asked: authz.Attributes) -> bool:
        self.asked.append(f"access {user.name} {asked.verb} {asked.subresource} {asked.node}")
        if self.failing:
            raise webhook.ReviewFailed("control plane unreachable")
        return user.name in self.allowed and (asked.verb, asked.subresource) == ("get", "metrics")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def reviews() -> Reviews:
    return Reviews()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def handle(reviews: Reviews, clock: Clock) -> httpserver.Handler:
    gate = webhook.Gate(reviews, webhook.Ttls(token=120, allowed=300, denied=30), logging.getLogger("test"), clock)
    return gate.guard("node-1", lambda request: OK)


def get(token: str | None = None, method: str = "GET", path: str = "/metrics/resource",
        peer: httpserver.Peer | None = None) -> httpserver.Request:  # fmt: skip
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return httpserver.Request(method=method, path=path, headers=headers, peer=peer)


async def answer(handle: httpserver.Handler, request: httpserver.Request) -> httpserver.Response:
    result = handle(request)
    return result if isinstance(result, httpserver.Response) else await result


async def test_without_credentials_or_with_an_unknown_token_the_answer_is_401(
    handle: httpserver.Handler, reviews: Reviews
) -> None:
    assert handle(get()) == authz.UNAUTHORIZED
    assert await answer(handle, get("junk")) == authz.UNAUTHORIZED
    assert handle(get("junk")) == authz.UNAUTHORIZED, "the unknown token is remembered"
    assert reviews.asked == ["token junk"]


async def test_a_token_allowed_nodes_metrics_is_served_and_both_answers_are_remembered(
    handle: httpserver.Handler, reviews: Reviews, clock: Clock
) -> None:
    assert await answer(handle, get("scraper-token")) == OK
    assert handle(get("scraper-token")) == OK, "answered at once from the caches"
    clock.now += 121
    assert await answer(handle, get("scraper-token")) == OK
    assert reviews.asked == ["token scraper-token", f"access {SCRAPER.name} get metrics node-1", "token scraper-token"]


async def test_a_user_not_allowed_gets_the_kubelets_403_for_the_denied_ttl(
    handle: httpserver.Handler, reviews: Reviews, clock: Clock
) -> None:
    first = await answer(handle, get("nobody-token"))
    reviews.allowed.add("nobody")
    clock.now += 29
    cached = await answer(handle, get("nobody-token"))
    clock.now += 2
    later = await answer(handle, get("nobody-token"))

    assert first == cached == httpserver.Response(
        status=403, body=b"Forbidden (user=nobody, verb=get, resource=nodes, subresource=metrics)")  # fmt: skip
    assert later == OK


async def test_a_client_certificate_needs_no_token_review_and_paths_map_to_subresources(
    handle: httpserver.Handler, reviews: Reviews
) -> None:
    peer = (SCRAPER.name, SCRAPER.groups)

    assert await answer(handle, get(peer=peer)) == OK
    assert (await answer(handle, get(peer=peer, path="/pods"))).body == (
        f"Forbidden (user={SCRAPER.name}, verb=get, resource=nodes, subresource=proxy)".encode())  # fmt: skip
    assert (await answer(handle, get(peer=peer, method="HEAD"))).status == 403, "HEAD maps to no verb, as in kubelet"
    assert reviews.asked == [f"access {SCRAPER.name} get metrics node-1", f"access {SCRAPER.name} get proxy node-1",
                             f"access {SCRAPER.name}  metrics node-1"]  # fmt: skip


async def test_concurrent_scrapes_with_one_token_share_one_review(handle: httpserver.Handler, reviews: Reviews) -> None:
    reviews.release.clear()
    waiting = [asyncio.ensure_future(answer(handle, get("scraper-token"))) for _ in range(3)]
    await asyncio.sleep(0)
    waiting[0].cancel()  # a client hanging up does not cancel the review for the others
    reviews.release.set()

    assert await asyncio.gather(*waiting[1:]) == [OK, OK]
    assert reviews.asked == ["token scraper-token", f"access {SCRAPER.name} get metrics node-1"]


async def test_failed_reviews_are_401_or_500_and_not_remembered(handle: httpserver.Handler, reviews: Reviews) -> None:
    reviews.failing = True
    assert await answer(handle, get("scraper-token")) == authz.UNAUTHORIZED
    failed = await answer(handle, get(peer=(SCRAPER.name, ())))
    reviews.failing = False

    assert (failed.status, failed.body) == (
        500,
        f"Authorization error (user={SCRAPER.name}, verb=get, resource=nodes, subresource=metrics)".encode(),
    )
    assert await answer(handle, get("scraper-token")) == OK


def test_expired_answers_are_swept_once_the_table_doubles() -> None:
    table: authz.Expiring[int, str] = authz.Expiring()
    for key in range(1023):
        table.put(key, "old", now=0, ttl=1)
    table.put(1023, "new", now=5, ttl=1)

    assert len(table) == 1 and table.get(1023, 5) == (True, "new") and table.get(0, 5) == (False, None)
