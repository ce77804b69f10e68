"""`python -m services.console` against a real nats-server: the usage charts and the journal it serves come back the
same after a restart, and it keeps nothing older than --retention.

Kubernetes is a small HTTP server here that knows one Deployment (the console asks it for the workload, its pods and
events); the console's charts and journal come from NATS alone.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from nats.js import JetStreamContext
from prometheus_client import CollectorRegistry

from services import events
from services.console import recording
from services.lib import jetstream, telemetry
from tests.integration.test_store_service import free_port
from tests.processes import Process, module
from tests.unit.test_console_history import MIB, S, decision, rates

METRICS = telemetry.stream_metrics(CollectorRegistry())
WORKLOAD = "/api/workloads/shop/Deployment/web"
PODS = ("web-abc12-xyz12", "web-abc12-qwe34")
TOKEN = "admin-token"  # signed in, as a person would be


@pytest.fixture
async def kubeconfig(tmp_path: Path) -> AsyncIterator[Path]:
    """A kubeconfig naming an API server that knows the Deployment shop/web and its two pods."""
    answers = {
        "/apis/apps/v1/namespaces/shop/deployments/web": {
            "metadata": {"name": "web", "namespace": "shop", "uid": "u-1"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}},
            "status": {"readyReplicas": 2},
        },
        "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers": {"items": []},
        "/api/v1/namespaces/shop/pods": {"items": [{"metadata": {"name": pod}} for pod in PODS]},
        "/api/v1/namespaces/shop/events": {"items": []},
    }

    async def answer(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"message": "Unauthorized"}, status=401)
        if request.path not in answers:
            return web.json_response({"message": f"{request.path} not found"}, status=404)
        return web.json_response(answers[request.path])

    application = web.Application()
    application.router.add_get("/{path:.*}", answer)
    runner = web.AppRunner(application)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    path = tmp_path / "kubeconfig"
    path.write_text(f"""apiVersion: v1
kind: Config
clusters: [{{name: fake, cluster: {{server: "http://127.0.0.1:{port}"}}}}]
users: [{{name: nobody, user: {{}}}}]
contexts: [{{name: fake, context: {{cluster: fake, user: nobody}}}}]
current-context: fake
""")
    yield path
    await runner.cleanup()


async def until(check: Callable[[], Any], timeout: float = 30) -> Any:
    """The first truthy result of `check`: the console is another process, so poll it with a deadline."""
    async with asyncio.timeout(timeout):
        while not (result := await check()):  # noqa: ASYNC110 - another process's state
            await asyncio.sleep(0.1)
        return result


class Console:
    """The console's HTTP side, as the workload page's script reads it."""

    def __init__(self, process: Process, port: int) -> None:
        self.process, self.url = process, f"http://127.0.0.1:{port}"

    async def get(self, path: str) -> httpx.Response | None:
        assert self.process.popen.poll() is None, self.process.log
        try:
            async with httpx.AsyncClient(base_url=self.url, timeout=10, cookies={"flowmeter_token": TOKEN}) as client:
                return await client.get(path)
        except httpx.TransportError:
            return None  # not listening yet

    async def ready(self) -> bool:
        answer = await self.get("/readyz")
        return answer is not None and answer.status_code == 200

    async def consumed(self, wanted: dict[str, int]) -> bool:
        """Whether the console has folded in this many events of each stream, by its /metrics."""
        answer = await self.get("/metrics")
        lines = answer.text.splitlines() if answer is not None else []
        found = {line.split('"')[1]: float(line.split()[-1]) for line in lines
                 if line.startswith("flowmeter_events_consumed_total{")}  # fmt: skip
        return all(found.get(stream) == count for stream, count in wanted.items())

    async def workload(self) -> dict[str, Any]:
        answer = await self.get(WORKLOAD)
        assert answer is not None and answer.status_code == 200, answer
        return dict(answer.json())


def by_time(charts: dict[str, Any]) -> dict[int, tuple[Any, ...]]:
    """Every value the charts show at each time; the axis ends at "now", so two readings share a part of it."""
    columns = [*charts["cpu"]["pods"].values(), *charts["memory"]["pods"].values(), *charts["replicas"].values()]
    return {t: tuple(column[i] for column in columns) for i, t in enumerate(charts["t"])}


async def test_the_charts_and_the_journal_come_back_the_same_after_a_restart(
    nats_url: str, js: JetStreamContext, kubeconfig: Path
) -> None:
    for spec in (events.RATES, events.DECISIONS):
        await jetstream.ensure_stream(js, spec)
    port = free_port()
    flags = ("--nats-url", nats_url, "--kubeconfig", str(kubeconfig), f"--bind-address=127.0.0.1:{port}")
    now = time.time_ns()
    start = now - 200 * S  # 14 scrapes 15 s apart: four minutes of data, the last one still open at the restart
    with module("services.console", *flags) as process:
        console = Console(process, port)
        await until(console.ready)
        for i in range(14):
            at = start + i * 15 * S
            await jetstream.publish(js, rates("n1", at, (PODS[0], 100 + 10 * i, (64 + i) * MIB)), METRICS)
            await jetstream.publish(js, rates("n2", at + 3 * S, (PODS[1], 50, 32 * MIB)), METRICS)
            if i % 4 == 0:
                await jetstream.publish(js, decision(at, 2, 2 + i // 4), METRICS)

        await until(lambda: console.consumed({"RATES": 28, "DECISIONS": 4}))
        before = await console.workload()
        assert process.stop() == 0, process.log
        assert "Traceback" not in process.log, process.log

    with module("services.console", *flags) as process:
        console = Console(process, port)
        await until(console.ready)
        after = await console.workload()
        assert process.stop() == 0, process.log

    assert after["journal"] == before["journal"]
    assert sorted(after["charts"]["cpu"]["pods"]) == sorted(PODS)
    shown_before, shown_after = by_time(before["charts"]), by_time(after["charts"])
    common = sorted(shown_before.keys() & shown_after.keys())
    assert len(common) >= 10, "both readings must share most of the axis"
    assert [shown_after[t] for t in common] == [shown_before[t] for t in common]
    assert sum(1 for t in common if shown_after[t][0] is not None) >= 10, "the restored series carry the data"


async def test_the_console_keeps_nothing_older_than_its_retention(
    nats_url: str, js: JetStreamContext, kubeconfig: Path
) -> None:
    for spec in (events.RATES, events.DECISIONS):
        await jetstream.ensure_stream(js, spec)
    now = time.time_ns()
    await jetstream.ensure_stream(js, events.USAGE)  # as a console with the default retention left it
    for pod, minute in ((PODS[1], recording.minute_of(now - 10 * 60 * S)), (PODS[0], recording.minute_of(now))):
        record = events.UsageRecorded(namespace="shop", minute_ns=minute,
                                      pods=(events.PodRecorded(name=pod, points=((0, 100, MIB),)),))  # fmt: skip
        await jetstream.publish(js, record, METRICS)
    port = free_port()
    flags = ("--nats-url", nats_url, "--kubeconfig", str(kubeconfig), f"--bind-address=127.0.0.1:{port}")
    with module("services.console", *flags, "--retention=2m", "--max-history-pods=100") as process:
        console = Console(process, port)
        await until(console.ready)
        shown = await console.workload()
        assert process.stop() == 0, process.log
    assert list(shown["charts"]["cpu"]["pods"]) == [PODS[0]], "the pod seen 10 minutes ago is older than 2m"
    config = (await js.stream_info(events.USAGE.name)).config
    assert (config.max_age, config.max_bytes) == (120, 2**20)  # 100 pods × 10 KiB × 2m is under the 1 MiB floor
