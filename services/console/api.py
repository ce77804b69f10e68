"""The console's JSON endpoints: live workload data for the page's script, and the HPA wizard's validate, YAML,
what-if, save and delete. Mutations need the `X-Console` header, which a cross-site form cannot send."""

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import yaml
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.console import detail, hpaform, kubeclient, whatif
from services.console.model import HPAS, Console

Who = Callable[[Request], kubeclient.Identity]
Handler = Callable[[Console, Who, Request], Awaitable[Response]]


class Body(msgspec.Struct, kw_only=True):
    form: hpaform.HpaForm = msgspec.field(default_factory=hpaform.HpaForm)
    step: int = 3
    yaml: str = ""


def _failed(error: kubeclient.KubeError) -> JSONResponse:
    return JSONResponse({"status": error.status, "error": error.message}, status_code=error.status)


async def _body(request: Request) -> Body:
    if request.method != "GET" and request.headers.get("x-console") != "1":
        raise kubeclient.KubeError(403, "requests that change things must come from the console's own pages")
    raw = await request.body()
    try:
        return msgspec.json.decode(raw, type=Body) if raw else Body()
    except msgspec.ValidationError as error:
        raise kubeclient.KubeError(400, f"malformed request: {error}") from None
    except msgspec.DecodeError:
        raise kubeclient.KubeError(400, "the request body is not JSON") from None


def _target(request: Request, form: hpaform.HpaForm) -> hpaform.HpaForm:
    """The form, bound to the workload of the URL."""
    p = request.path_params
    return msgspec.structs.replace(form, namespace=p["namespace"], target_kind=p["kind"], target_name=p["name"])


async def _live(console: Console, who: Who, request: Request) -> Response:
    namespace, kind, name = (request.path_params[k] for k in ("namespace", "kind", "name"))
    person = who(request)
    workload = await console.workload(person, namespace, kind, name)
    hpa = await console.hpa_of(person, namespace, kind, name)
    current = [p["metadata"]["name"] for p in await _pods(console, person, workload)]
    found = await console.cluster.items(person, f"/api/v1/namespaces/{namespace}/events")
    decisions = console.journal.of_target(namespace, kind, name)
    pods = detail.pods_in_history(console.usage, namespace, kind, name, current)
    names = {name, *([hpa["metadata"]["name"]] if hpa else [])}
    status = workload.get("status", {})
    return JSONResponse(
        {
            "ready": status.get("readyReplicas", 0),
            "desired": workload.get("spec", {}).get("replicas", 1),
            "charts": detail.charts(console.usage, decisions, pods, namespace, console.now_ns(), console.retention_ns),
            "hpa": detail.hpa_card(hpa) if hpa else None,
            "form": msgspec.to_builtins(hpaform.read(hpa)) if hpa else None,
            "journal": detail.journal_entries(decisions),
            "events": detail.recent_events(found, names),
        }
    )


async def _validate(console: Console, who: Who, request: Request) -> Response:
    body = await _body(request)
    return JSONResponse({"errors": hpaform.validate(body.form, body.step)})


async def _to_yaml(console: Console, who: Who, request: Request) -> Response:
    body = await _body(request)
    if errors := hpaform.validate(body.form):
        return JSONResponse({"errors": errors}, status_code=422)
    return JSONResponse({"yaml": yaml.safe_dump(hpaform.build(body.form, ""), sort_keys=False)})


async def _from_yaml(console: Console, who: Who, request: Request) -> Response:
    try:
        body = await _body(request)
        form = hpaform.read(yaml.safe_load(body.yaml))
    except (yaml.YAMLError, hpaform.FormError, AttributeError, TypeError) as error:
        return JSONResponse({"error": f"The YAML cannot be used: {error}"}, status_code=422)
    return JSONResponse({"form": msgspec.to_builtins(form), "errors": hpaform.validate(form)})


async def _preview(console: Console, who: Who, request: Request) -> Response:
    namespace, kind, name = (request.path_params[k] for k in ("namespace", "kind", "name"))
    body = await _body(request)
    workload = await console.workload(who(request), namespace, kind, name)
    form = _target(request, body.form)
    if errors := hpaform.validate(form):
        return JSONResponse({"errors": errors}, status_code=422)
    pods = detail.pods_in_history(console.usage, namespace, kind, name, [])
    chart = detail.charts(console.usage, [], pods, namespace, console.now_ns(), console.retention_ns)
    loads, actual = detail.loads(chart)
    proposed = whatif.replay(form, loads, actual[0] if actual else 1, whatif.template_requests(workload))
    return JSONResponse({"t": [load.at_ns // detail.NS for load in loads], "actual": actual, "proposed": proposed})


async def _save(console: Console, who: Who, request: Request) -> Response:
    namespace, kind, name = (request.path_params[k] for k in ("namespace", "kind", "name"))
    person = who(request)
    body = await _body(request)
    form = _target(request, body.form)
    if errors := hpaform.validate(form):
        return JSONResponse({"errors": errors}, status_code=422)
    workload = await console.workload(person, namespace, kind, name)
    existing = await console.hpa_of(person, namespace, kind, name)
    wanted = hpaform.build(form, workload["metadata"]["uid"])
    saved = await _write(console, person, namespace, wanted, existing)
    return JSONResponse({"saved": saved["metadata"]["name"]})


async def _remove(console: Console, who: Who, request: Request) -> Response:
    namespace, kind, name = (request.path_params[k] for k in ("namespace", "kind", "name"))
    person = who(request)
    await _body(request)
    hpa = await console.hpa_of(person, namespace, kind, name)
    if hpa is None:
        raise kubeclient.KubeError(404, f"{kind} {name} has no HPA")
    path = f"{HPAS.format(namespace=namespace)}/{hpa['metadata']['name']}"
    await console.cluster.request(person, "DELETE", path)
    return JSONResponse({"deleted": hpa["metadata"]["name"]})


def _bind(console: Console, who: Who, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(console, who, request)
        except kubeclient.KubeError as error:
            return _failed(error)

    return endpoint


def routes(console: Console, who: Who) -> list[Route]:
    """Routes closed over one Console."""
    base = "/api/workloads/{namespace}/{kind}/{name}"
    table = [
        (base, _live, "GET"),
        (f"{base}/whatif", _preview, "POST"),
        (f"{base}/hpa", _save, "POST"),
        (f"{base}/hpa", _remove, "DELETE"),
        ("/api/hpa/validate", _validate, "POST"),
        ("/api/hpa/yaml", _to_yaml, "POST"),
        ("/api/hpa/form", _from_yaml, "POST"),
    ]
    return [Route(path, _bind(console, who, handler), methods=[method]) for path, handler, method in table]


async def _pods(console: Console, person: kubeclient.Identity, workload: Any) -> list[Any]:
    labels = (workload.get("spec", {}).get("selector") or {}).get("matchLabels") or {}
    if not labels:
        return []
    selector = ",".join(f"{k}={v}" for k, v in labels.items())
    path = f"/api/v1/namespaces/{workload['metadata']['namespace']}/pods"
    return await console.cluster.items(person, path, {"labelSelector": selector})


async def _write(
    console: Console, person: kubeclient.Identity, namespace: str, wanted: dict[str, Any], existing: Any
) -> Any:
    """Create the HPA, or replace the one the workload has (keeping labels and annotations the form does not own)."""
    if existing is None:
        return await console.cluster.request(person, "POST", HPAS.format(namespace=namespace), body=wanted)
    meta, old = wanted["metadata"], existing["metadata"]
    if meta["name"] != old["name"]:
        raise kubeclient.KubeError(422, f"the workload's HPA is {old['name']}; an HPA cannot be renamed")
    meta["resourceVersion"] = old.get("resourceVersion", "")
    meta["labels"] = {**(old.get("labels") or {}), **meta["labels"]}
    annotations = {
        k: v for k, v in (old.get("annotations") or {}).items() if k not in (hpaform.ALIAS, hpaform.DESCRIPTION)
    }
    meta["annotations"] = {**annotations, **meta.get("annotations", {})}
    path = f"{HPAS.format(namespace=namespace)}/{old['name']}"
    return await console.cluster.request(person, "PUT", path, body=wanted)
