"""The console in real Chromium against `./just up`: sign in as yourself, see nodes and workloads, create an HPA with
the wizard (every bad field refused with its message), watch it scale under `kubectl annotate` without reloading,
edit it and delete it. Screenshots of every page at desktop and phone sizes go to test-artifacts/screenshots/."""

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Dialog, Page, ViewportSize, async_playwright, expect

from sim import pki
from tests.e2e.conftest import ROOT, Stack

pytestmark = pytest.mark.e2e
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip
SHOTS = ROOT / "test-artifacts" / "screenshots"
SIZES = {"desktop": ViewportSize(width=1280, height=800), "phone": ViewportSize(width=390, height=844)}
NS, APP = "console", "shop-web"
SCALING_SECONDS = 120  # a load change reaches a decision within one resolution; pods then start and become ready


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    return CHROMIUM


@pytest.fixture
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    """Debian's Chromium, one per test: Playwright runs in the test's own event loop."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=chromium_path, args=ARGS)
        yield chromium
        await chromium.close()


async def signed_in(browser: Browser, stack: Stack, token: str) -> Page:
    page = await browser.new_page(viewport=SIZES["desktop"])
    await page.goto(stack.console_url + "/")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()  # nobody is signed in: no shared identity
    await page.get_by_label("Token").fill(token)
    await page.get_by_role("button", name="Sign in").click()
    return page


async def shoot(page: Page, name: str) -> None:
    """Full-page screenshots at both sizes, then back to the desktop size."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in SIZES.items():
        await page.set_viewport_size(viewport)
        await page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
    await page.set_viewport_size(SIZES["desktop"])


@pytest.fixture(scope="module")
def shop(stack: Stack) -> Stack:
    """A Deployment of one pod asking 200m CPU, under a light load."""
    labels = {"app": APP}
    container = {"name": "app", "image": "nginx", "resources": {"requests": {"cpu": "200m", "memory": "64Mi"}}}
    for document in (
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}},
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": APP, "namespace": NS, "annotations": {"sim.flowmeter.dev/cpu-total": "50m"}},
         "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}}},
    ):  # fmt: skip
        stack.kubectl("apply", "-f", "-", input_text=json.dumps(document))
    return stack


async def accept(dialog: Dialog) -> None:
    await dialog.accept()


def hpa(stack: Stack) -> Any:
    return stack.json("get", "hpa", APP, "-n", NS, "-o", "json")


async def test_a_viewer_sees_kubernetes_refusal_and_an_admin_sees_every_node(browser: Browser, stack: Stack) -> None:
    viewer = await signed_in(browser, stack, pki.token_of(pki.Layout(stack.run_dir), "viewer"))
    await expect(viewer.get_by_role("alert")).to_contain_text("Kubernetes answered 403 Forbidden")
    await viewer.close()
    page = await signed_in(browser, stack, pki.ADMIN_TOKEN)
    await expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    await expect(page.locator("table.nodes tbody tr")).to_have_count(3)
    await expect(page.locator(".tile").first).to_contain_text("3")
    await shoot(page, "overview")
    await page.close()


async def test_workloads_filter_by_namespace_and_name(browser: Browser, shop: Stack) -> None:
    page = await signed_in(browser, shop, pki.ADMIN_TOKEN)
    await page.goto(f"{shop.console_url}/workloads")
    await page.get_by_label("Namespace").select_option(NS)
    await page.get_by_label("Name", exact=True).fill("web")
    await page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(APP)
    await expect(rows.first).to_contain_text("Deployment")
    await shoot(page, "workloads")
    await page.close()


async def next_step_shows(page: Page, field: str, value: str, message: str) -> None:
    await page.locator(f'[name="{field}"]').fill(value)
    await page.get_by_role("button", name="Next").click()
    await expect(page.locator(f'[data-error-for="{field}"]')).to_have_text(re.compile(re.escape(message)))


async def test_the_wizard_refuses_each_bad_field_with_its_message(browser: Browser, shop: Stack) -> None:
    page = await signed_in(browser, shop, pki.ADMIN_TOKEN)
    await page.goto(f"{shop.console_url}/workloads/{NS}/Deployment/{APP}")
    await page.get_by_role("button", name="Create HPA").click()
    await next_step_shows(page, "name", "Shop_Web", "Name may contain only lowercase letters")
    await next_step_shows(page, "name", "x" * 64, "Name must be at most 63 characters.")
    await next_step_shows(page, "alias", "a" * 64, "Alias must be at most 63 characters.")
    await page.locator('[name="alias"]').fill("")
    await page.locator('[name="name"]').fill(APP)
    await page.get_by_role("button", name="Next").click()
    await next_step_shows(page, "min_replicas", "0", "Minimum replicas must be a whole number, at least 1.")
    await page.locator('[name="min_replicas"]').fill("3")
    await next_step_shows(page, "max_replicas", "2", "Maximum replicas must be at least the minimum replicas.")
    await page.locator('[name="max_replicas"]').fill("6")
    await next_step_shows(page, "cpu_value", "150", "CPU target must be a whole percentage from 1 to 100.")
    await page.locator('[name="cpu_value"]').fill("")
    await page.get_by_role("button", name="Next").click()
    await expect(page.locator('[data-error-for="metrics"]')).to_contain_text("at least one metric is required")
    await page.locator('[name="cpu_value"]').fill("50")
    await page.get_by_role("button", name="Next").click()
    await shoot(page, "wizard-advanced")
    await page.locator('[name="scale_up.stabilization_window_seconds"]').fill("4000")
    await page.locator('[name="scale_down.policies.0.value"]').fill("0")
    await page.get_by_role("button", name="Create", exact=True).click()
    await expect(page.locator('[data-error-for="scale_up.stabilization_window_seconds"]')).to_have_text(
        "Stabilization window must be 0 to 3600 seconds.")  # fmt: skip
    await expect(page.locator('[data-error-for="scale_down.policies.0.value"]')).to_have_text(
        "Policy value must be a whole number, at least 1.")  # fmt: skip
    assert shop.kubectl("get", "hpa", APP, "-n", NS, check=False).returncode != 0  # nothing was sent
    await page.close()


async def test_an_hpa_made_in_the_wizard_scales_live_then_is_edited_and_deleted(browser: Browser, shop: Stack) -> None:
    page = await signed_in(browser, shop, pki.ADMIN_TOKEN)
    await page.goto(f"{shop.console_url}/workloads/{NS}/Deployment/{APP}")
    await expect(page.locator("#chart-cpu svg")).to_be_visible(timeout=60_000)  # usage history arrived
    await page.get_by_role("button", name="Create HPA").click()
    await page.locator('[name="alias"]').fill("Shop front")
    await page.get_by_role("button", name="Next").click()
    await page.locator('[name="max_replicas"]').fill("6")
    await page.get_by_role("button", name="Next").click()
    await page.get_by_role("button", name="Preview: what would these settings have done?").click()
    await expect(page.locator("#chart-whatif")).to_contain_text("Replayed")
    await page.get_by_role("button", name="Edit YAML").click()
    await expect(page.locator("#yaml")).to_have_value(re.compile("averageUtilization: 50"))
    await page.get_by_role("button", name="Create", exact=True).click()
    await expect(page.locator("#hpa-name")).to_have_text(APP)
    spec = hpa(shop)["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": APP}
    assert (spec["minReplicas"], spec["maxReplicas"]) == (1, 6)
    assert spec["metrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}
    ]
    assert spec["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 300
    owner = hpa(shop)["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"]) == ("Deployment", APP)
    assert hpa(shop)["metadata"]["annotations"]["kubesphere.io/alias-name"] == "Shop front"

    shop.kubectl("annotate", "deployment", APP, "-n", NS, "sim.flowmeter.dev/cpu-total=1000m", "--overwrite")
    await expect(page.locator("#ready")).to_have_text(
        "6", timeout=SCALING_SECONDS * 1000
    )  # 1000m / 100m per pod at 50 %
    await expect(page.locator("#journal")).to_contain_text("Scaled from 1 to", timeout=30_000)
    # New pods report usage once the store has two samples of them, a couple of resolutions after they start.
    await expect(page.locator("#chart-replicas")).to_have_attribute("data-latest", "6", timeout=90_000)
    await expect(page.locator(".ring-box")).to_have_attribute("data-current", "6", timeout=30_000)
    await expect(page.locator("#hpa-card")).to_contain_text("Able to Scale")
    await expect(page.locator("#hpa-card")).to_contain_text("Metrics Valid")
    await expect(page.locator("#hpa-card")).to_contain_text("Replicas Unrestricted")
    await shoot(page, "workload")

    await page.get_by_role("button", name="Edit HPA").click()
    await page.get_by_role("button", name="Next").click()
    await page.locator('[name="max_replicas"]').fill("4")
    await page.get_by_role("button", name="Next").click()
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.locator("#banner")).to_have_text(f"HPA {APP} saved.")
    assert hpa(shop)["spec"]["maxReplicas"] == 4
    await expect(page.locator("#ready")).to_have_text("4", timeout=SCALING_SECONDS * 1000)

    page.once("dialog", accept)
    await page.get_by_role("button", name="Delete HPA").click()
    await expect(page.locator("#hpa-body")).to_have_text("This workload has no HPA.")
    assert shop.kubectl("get", "hpa", APP, "-n", NS, check=False).returncode != 0
    await page.close()
