"""Health and self-metrics endpoints as kube-apiserver shapes them: `/livez`, `/readyz`, `/healthz`, `/metrics`.

Each endpoint has named checks; `?verbose` lists them, `/<endpoint>/<check>` asks one. A check returns None when
healthy, else the reason (logged by the caller's view, withheld from the listing as upstream does).
"""

from collections.abc import Callable, Mapping

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

Check = Callable[[], str | None]
Checks = Mapping[str, Mapping[str, Check]]  # endpoint (livez, readyz, healthz) -> check name -> check


def report(endpoint: str, checks: Mapping[str, Check], verbose: bool, only: str | None = None) -> tuple[int, str]:
    """(HTTP status, body) for one health endpoint, or for one of its checks when `only` names it."""
    if only is not None:
        if only not in checks:
            return 404, f"{endpoint} check {only!r} not found\n"
        reason = checks[only]()
        return (200, "ok") if reason is None else (500, f"[-]{only} failed: {reason}\n{endpoint} check failed\n")
    results = {name: check() for name, check in checks.items()}
    healthy = all(reason is None for reason in results.values())
    if healthy and not verbose:
        return 200, "ok"
    lines = [
        f"[+]{name} ok" if reason is None else f"[-]{name} failed: reason withheld" for name, reason in results.items()
    ]
    lines.append(f"{endpoint} check {'passed' if healthy else 'failed'}")
    return (200 if healthy else 500), "\n".join(lines) + "\n"


def routes(checks: Checks, registry: CollectorRegistry | None = None) -> list[Route]:
    """Starlette routes for every health endpoint in `checks`, and `/metrics` when a registry is given."""
    result = []
    for endpoint, named in checks.items():
        result += [
            Route(f"/{endpoint}", _handler(endpoint, named)),
            Route(f"/{endpoint}/{{check}}", _handler(endpoint, named)),
        ]
    if registry is not None:

        async def metrics(request: Request) -> Response:
            return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

        result.append(Route("/metrics", metrics))
    return result


def _handler(endpoint: str, checks: Mapping[str, Check]) -> Callable[[Request], object]:
    async def handle(request: Request) -> Response:
        status, body = report(endpoint, checks, "verbose" in request.query_params, request.path_params.get("check"))
        return PlainTextResponse(body, status_code=status)

    return handle
