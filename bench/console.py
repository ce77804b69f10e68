"""Page load of the console's overview and workloads pages on a large simulated cluster, in Debian's Chromium.

`./just bench-console [NODES]` (default 5000) brings up the embedded stack in a temporary run directory, signs in as
the admin, then loads each page five times and prints the median and worst time to the `load` event. Timings are
reported, never asserted: the machine may be shared.
"""

import asyncio
import os
import statistics
import sys
import tempfile
import time
import urllib.request

from playwright.async_api import async_playwright

from embedded import settings
from embedded.stack import Stack
from sim import pki

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip
LOADS = 5


async def measure(url: str) -> dict[str, list[float]]:
    """Seconds to the `load` event of each page, LOADS times each, signed in as the admin."""
    timings: dict[str, list[float]] = {}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        await page.goto(url + "/signin")
        await page.get_by_label("Token").fill(pki.ADMIN_TOKEN)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(url + "/")
        for name, path in (("overview", "/"), ("workloads", "/workloads")):
            for _ in range(LOADS):
                started = time.monotonic()
                await page.goto(url + path, wait_until="load")
                timings.setdefault(name, []).append(time.monotonic() - started)
        await browser.close()
    return timings


async def ready(url: str) -> None:
    """Until the console's /readyz says both streams are replayed (polling another process's HTTP endpoint)."""
    while True:
        try:
            with await asyncio.to_thread(urllib.request.urlopen, url + "readyz", timeout=5):
                return
        except OSError:  # HTTPError (500 until replayed) and connection errors alike
            await asyncio.sleep(1)


async def main(nodes: int) -> None:
    with tempfile.TemporaryDirectory() as run_dir:
        environ = {"FLOWMETER_RUN_DIR": run_dir, "FLOWMETER_SIM_NODES": str(nodes), "FLOWMETER_SIM_PODS_PER_NODE": "10",
                   "FLOWMETER_APISERVER_PORT": "0", "FLOWMETER_API_PORT": "0", "FLOWMETER_NATS_PORT": "-1",
                   "FLOWMETER_CONSOLE_PORT": "0", "FLOWMETER_KUBELET_SUBNET": "127.61", **os.environ}  # fmt: skip
        stack = Stack(settings.load(environ), lambda name, line: None)
        try:
            print(f"starting {nodes} simulated nodes…", flush=True)
            print(f"serving after {await stack.up():.0f}s", flush=True)
            await ready(stack.console_url)
            timings = await measure(stack.console_url.rstrip("/"))
        finally:
            await stack.down()
    for name, values in timings.items():
        print(f"{name:>9}: median {statistics.median(values) * 1000:.0f} ms, worst {max(values) * 1000:.0f} ms "
              f"over {len(values)} loads with {nodes} nodes")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000))
