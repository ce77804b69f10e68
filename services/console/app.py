"""The console's HTML pages and sign-in; `build_app` wires them with the JSON API, static files and probes."""

import contextlib
from pathlib import Path
from urllib.parse import parse_qs

from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from services.console import api, hpaform, kubeclient, pages, views
from services.console.model import RESOURCES, Console
from services.lib import health

COOKIE = "flowmeter_token"
STATIC = Path(__file__).parent / "static"


def identity(request: Request) -> kubeclient.Identity:
    """Who the request acts as: the token in the person's cookie, else the console's kubeconfig credentials."""
    return kubeclient.Identity(request.cookies.get(COOKIE, ""))


def _who(request: Request) -> str:
    return "signed in with a token" if request.cookies.get(COOKIE) else ""


def _refused(request: Request, title: str, error: kubeclient.KubeError) -> Response:
    """A 401 for someone who has not signed in sends them to sign in; anything else is shown as Kubernetes said it."""
    if error.status == 401 and not request.cookies.get(COOKIE):
        return RedirectResponse("/signin", status_code=303)
    return _page(request, title, pages.problem(error.status, error.message), error.status)


def _page(request: Request, title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(pages.layout(title, body, _who(request)), status_code=status)


def _number(request: Request, key: str) -> int:
    text = request.query_params.get(key, "1")
    return int(text) if text.isdigit() else 1


def build_app(console: Console, checks: health.Checks, registry: CollectorRegistry | None = None) -> Starlette:
    """The console's routes over one Console."""

    async def overview(request: Request) -> Response:
        try:
            nodes = await console.cluster.items(identity(request), "/api/v1/nodes")
        except kubeclient.KubeError as error:
            return _refused(request, "Overview", error)
        rows = views.node_rows(nodes, console.usage, console.now_ns())
        shown, page = views.paginate(rows, _number(request, "page"))
        return _page(request, "Overview", pages.overview(shown, page, views.totals(rows)))

    async def workloads(request: Request) -> Response:
        namespace, name, who = (
            request.query_params.get("namespace", ""),
            request.query_params.get("name", ""),
            identity(request),
        )
        where = f"/namespaces/{namespace}" if namespace else ""
        try:
            found = [
                (kind, item)
                for kind, resource in RESOURCES.items()
                for item in await console.cluster.items(who, f"/apis/apps/v1{where}/{resource}")
            ]
            hpas = await console.cluster.items(who, f"/apis/autoscaling/v2{where}/horizontalpodautoscalers")
        except kubeclient.KubeError as error:
            return _refused(request, "Workloads", error)
        namespaces = sorted({item["metadata"]["namespace"] for _, item in found})
        found = [(k, w) for k, w in found if name.lower() in w["metadata"]["name"].lower()]
        found.sort(key=lambda kw: (kw[1]["metadata"]["namespace"], kw[1]["metadata"]["name"], kw[0]))
        shown, page = views.paginate(found, _number(request, "page"))
        pods = []
        for ns in sorted({w["metadata"]["namespace"] for _, w in shown}):
            with contextlib.suppress(kubeclient.KubeError):  # usage shows as 0 where pods may not be read
                pods += await console.cluster.items(who, f"/api/v1/namespaces/{ns}/pods")
        rows = views.workload_rows(shown, pods, hpas, console.usage)
        return _page(request, "Workloads", pages.workloads(rows, page, namespaces, namespace, name))

    async def workload(request: Request) -> Response:
        namespace, kind, name = (request.path_params[k] for k in ("namespace", "kind", "name"))
        who = identity(request)
        try:
            await console.workload(who, namespace, kind, name)
            hpa = await console.hpa_of(who, namespace, kind, name)
        except kubeclient.KubeError as error:
            return _refused(request, name, error)
        if hpa is not None:
            form = hpaform.read(hpa)
        else:
            form = hpaform.HpaForm(
                name=name, namespace=namespace, target_kind=kind, target_name=name, cpu_value="50", max_replicas="10"
            )
        return _page(request, name, pages.workload(namespace, kind, name, form, hpa is not None))

    async def signin_form(request: Request) -> Response:
        return _page(request, "Sign in", pages.signin())

    async def signin(request: Request) -> Response:
        token = parse_qs((await request.body()).decode()).get("token", [""])[0].strip()
        try:
            await console.cluster.request(kubeclient.Identity(token), "GET", "/api")
        except kubeclient.KubeError as error:
            return _page(request, "Sign in", pages.signin(f"Kubernetes answered {error.status}: {error.message}"), 401)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")
        return response

    async def signout(request: Request) -> Response:
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    routes = [
        Route("/", overview),
        Route("/workloads", workloads),
        Route("/workloads/{namespace}/{kind}/{name}", workload),
        Route("/signin", signin_form, methods=["GET"]),
        Route("/signin", signin, methods=["POST"]),
        Route("/signout", signout, methods=["POST"]),
        *api.routes(console, identity),
        Mount("/static", StaticFiles(directory=STATIC)),
        *health.routes(checks, registry),
    ]
    return Starlette(routes=routes)
