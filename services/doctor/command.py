"""`flowmeter doctor` flags, the order of the checks, and what a check that cannot read its objects reports."""

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence

import aiohttp
from kubernetes_asyncio.config import ConfigException

from services.doctor import findings, probes, rules
from services.doctor.findings import Finding, Level
from services.lib.kube import Kube, KubeError

Check = Callable[[Kube], Awaitable[list[Finding]]]


def parser() -> argparse.ArgumentParser:
    """The flags; kubelet and NATS flags mean what the scraper's and the services' flags of the same name mean."""
    p = argparse.ArgumentParser(prog="flowmeter doctor", description="Read-only checks of a cluster before Flowmeter "
                                "is installed on it; exit code 1 when any check fails.")  # fmt: skip
    p.add_argument("--kubeconfig", default="", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    p.add_argument("--context", default="", help="kubeconfig context (default: the current one)")
    p.add_argument("--namespace", default="flowmeter", help="where Flowmeter runs or will run (default: flowmeter)")
    p.add_argument(
        "--kubelet-preferred-address-types",
        default="InternalIP,ExternalIP,Hostname",
        help="node address types to try, in order (default: deploy/'s InternalIP,ExternalIP,Hostname)",
    )
    p.add_argument(
        "--kubelet-certificate-authority",
        default="",
        help="CA file for the kubelets' serving certificates (default: the kubeconfig's cluster CA)",
    )
    p.add_argument(
        "--kubelet-insecure-tls",
        action="store_true",
        help="the scraper will not verify kubelet certificates: report a failed verification as a warning",
    )
    p.add_argument("--nats-url", default="", help="an existing NATS to check, e.g. tls://nats.example:4222")
    p.add_argument("--nats-credentials-file", default="", help="file holding user:password for NATS")
    p.add_argument("--nats-tls-ca-file", default="", help="CA file that verifies the NATS server's certificate")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for a kubelet or NATS (default: 5)")
    p.add_argument("--output", choices=("text", "json"), default="text", help="text (default) or json")
    return p  # fmt: skip


async def _guarded(name: str, check: Check, kube: Kube) -> list[Finding]:
    """A check's findings; a read it may not do or cannot do becomes a finding too."""
    try:
        return await check(kube)
    except KubeError as error:
        if error.status in (401, 403):
            return [
                Finding(
                    check=name,
                    level=Level.WARN,
                    summary=f"not allowed to read what this check needs: {error}",
                    remedy="run doctor as a user who may read cluster-wide (e.g. cluster-admin or view)",
                )
            ]
        return [Finding(check=name, level=Level.FAIL, summary=f"the API server answered {error}")]
    except (aiohttp.ClientError, TimeoutError) as error:
        return [Finding(check=name, level=Level.FAIL, summary=f"cannot reach the API server: {error}",
                        remedy="check the kubeconfig, its context and the network path to the API server")]  # fmt: skip


async def run(args: argparse.Namespace) -> list[Finding]:
    """Every check, in the order an operator would fix things."""
    address_types = tuple(t.strip() for t in args.kubelet_preferred_address_types.split(",") if t.strip())
    checks: list[tuple[str, Check]] = [
        ("aggregation layer", probes.aggregation),
        ("APIService", lambda kube: probes.api_services(kube, args.namespace)),
        ("kubelet TLS", lambda kube: _one(probes.kubelet(kube, address_types, args.kubelet_certificate_authority,
                                                         args.kubelet_insecure_tls, args.timeout))),
        ("HPA requests", probes.hpa_requests),
    ]  # fmt: skip
    kube = await probes.connect(args.kubeconfig, args.context)
    try:
        result = [finding for name, check in checks for finding in await _guarded(name, check, kube)]
    finally:
        await kube.close()
    if args.nats_url:
        return [*result, await probes.jetstream(args.nats_url, args.nats_credentials_file, args.nats_tls_ca_file,
                                                args.timeout)]  # fmt: skip
    return [*result, rules.nats_unchecked()]


async def _one(finding: Awaitable[Finding]) -> list[Finding]:
    return [await finding]


def main(argv: Sequence[str]) -> int:
    """Run the checks, print the findings, exit 1 on any failure."""
    args = parser().parse_args(argv)
    try:
        found = asyncio.run(run(args))
    except (ConfigException, OSError) as error:  # the kubeconfig cannot be loaded: say so, briefly
        print(f"flowmeter doctor: cannot load the kubeconfig: {error}", file=sys.stderr)
        return 2
    print(findings.as_json(found) if args.output == "json" else findings.as_text(found))
    return findings.exit_code(found)
