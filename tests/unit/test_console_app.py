"""The console's routes over a fake Kubernetes edge: sign-in, refusals shown as Kubernetes said them, the wizard's
endpoints and the guard that keeps other sites from changing things."""

from typing import Any

import httpx

from services.console import app, history, journal, kubeclient
from services.console.model import Console

NODE = {"metadata": {"name": "node-1"}, "status": {"allocatable": {"cpu": "4", "memory": "8Gi"}}}


class FakeCluster:
    """Answers as an API server whose only valid token is `good`, and whose `viewer` may not list nodes."""

    def __init__(self) -> None:
        self.created: list[Any] = []

    async def request(self, who: kubeclient.Identity, method: str, path: str, params: dict[str, str] | None = None,
                      body: Any = None) -> Any:  # fmt: skip
        if who.token not in ("good", "viewer"):
            raise kubeclient.KubeError(401, "Unauthorized")
        if who.token == "viewer" and path == "/api/v1/nodes":
            raise kubeclient.KubeError(403, 'nodes is forbidden: User "viewer" cannot list resource "nodes"')
        if method == "POST":
            self.created.append(body)
        return {"items": [NODE]} if path == "/api/v1/nodes" else {}

    async def items(self, who: kubeclient.Identity, path: str, params: dict[str, str] | None = None) -> list[Any]:
        answer = await self.request(who, "GET", path, params)
        return list(answer.get("items", []))


def client(cluster: FakeCluster | None = None, token: str = "") -> httpx.AsyncClient:
    console = Console(history.History(3600, 10), journal.Journal(3600), cluster or FakeCluster(), lambda: 0, 3600)
    cookies = {app.COOKIE: token} if token else {}
    transport = httpx.ASGITransport(app.build_app(console, {}))
    return httpx.AsyncClient(transport=transport, base_url="http://console", cookies=cookies)


async def test_without_a_token_the_console_asks_to_sign_in() -> None:
    async with client() as http:
        answer = await http.get("/")
    assert answer.status_code == 303 and answer.headers["location"] == "/signin"


async def test_signing_in_keeps_the_token_in_an_httponly_cookie() -> None:
    async with client() as http:
        refused = await http.post("/signin", content="token=bad")
        accepted = await http.post("/signin", content="token=good")
    assert refused.status_code == 401 and "Kubernetes answered 401: Unauthorized" in refused.text
    assert accepted.status_code == 303
    assert "HttpOnly" in accepted.headers["set-cookie"] and "SameSite=strict" in accepted.headers["set-cookie"]


async def test_a_refusal_is_shown_as_kubernetes_said_it() -> None:
    async with client(token="viewer") as http:
        answer = await http.get("/")
    assert answer.status_code == 403
    assert "Kubernetes answered 403 Forbidden" in answer.text and "cannot list resource" in answer.text


async def test_the_overview_lists_nodes_for_a_signed_in_person() -> None:
    async with client(token="good") as http:
        answer = await http.get("/")
    assert answer.status_code == 200 and "node-1" in answer.text and "not scraped yet" in answer.text


async def test_changes_need_the_consoles_own_header() -> None:
    cluster = FakeCluster()
    async with client(cluster, token="good") as http:
        forged = await http.post("/api/workloads/shop/Deployment/web/hpa", json={"form": {}})
        checked = await http.post("/api/hpa/validate", json={"form": {"name": "Web"}, "step": 1},
                                  headers={"X-Console": "1"})  # fmt: skip
    assert forged.status_code == 403 and cluster.created == []
    assert checked.json()["errors"]["name"].startswith("Name may contain only lowercase letters")


async def test_edit_yaml_round_trips_through_the_form() -> None:
    form = {"name": "web", "namespace": "shop", "target_name": "web", "cpu_value": "60", "max_replicas": "4"}
    async with client(token="good") as http:
        text = (await http.post("/api/hpa/yaml", json={"form": form}, headers={"X-Console": "1"})).json()["yaml"]
        back = await http.post("/api/hpa/form", json={"yaml": text}, headers={"X-Console": "1"})
        broken = await http.post("/api/hpa/form", json={"yaml": "spec: ["}, headers={"X-Console": "1"})
    assert "averageUtilization: 60" in text
    assert back.json()["form"]["cpu_value"] == "60" and back.json()["errors"] == {}
    assert broken.status_code == 422 and broken.json()["error"].startswith("The YAML cannot be used")
