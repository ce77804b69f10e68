"""Health endpoints in kube-apiserver's format: `/livez`, `/readyz`, `/healthz`, each check listed with `?verbose`."""

from collections.abc import Callable, Mapping

Check = Callable[[], str | None]  # returns None when healthy, else the reason


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
