"""The simulated kubelets authenticate and authorize scrapes as a kubelet in webhook mode does, and the certificate
faults change what they present."""

import asyncio
import ssl

import httpx
from cryptography import x509

from services.lib import tls
from sim import pki
from sim.kubelets import faults
from tests.integration.kubelets.conftest import Sim, eventually


async def scrape_as(sim: Sim, ip: str, headers: dict[str, str], cert: tls.KeyPair | None = None) -> tuple[int, str]:
    """Status and body of a scrape with these headers (replacing the scraper's token), optionally a client cert."""
    context = ssl.create_default_context(cafile=sim.layout.ca[0])
    if cert is not None:
        cert.write(sim.layout.run_dir / "client.crt", sim.layout.run_dir / "client.key")
        context.load_cert_chain(sim.layout.run_dir / "client.crt", sim.layout.run_dir / "client.key")
    async with httpx.AsyncClient(verify=context) as http:
        response = await http.get(sim.url(ip), headers=headers)
        return response.status_code, response.text


def bearer(sim: Sim, key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {pki.token_of(sim.layout, key)}"}


async def test_scrapes_need_a_token_or_certificate_allowed_to_get_nodes_metrics(sim: Sim) -> None:
    ip = next(iter((await sim.nodes()).values()))
    ca = pki.cluster_ca(sim.layout)

    assert await scrape_as(sim, ip, {}) == (401, "Unauthorized")
    assert await scrape_as(sim, ip, {"Authorization": "Bearer junk"}) == (401, "Unauthorized")
    assert await scrape_as(sim, ip, bearer(sim, "nobody")) == (
        403, "Forbidden (user=nobody, verb=get, resource=nodes, subresource=metrics)")  # fmt: skip
    assert (await scrape_as(sim, ip, bearer(sim, "api")))[0] == 403, "the api has no business with kubelets"
    assert (await scrape_as(sim, ip, bearer(sim, "scraper")))[0] == 200
    assert (await scrape_as(sim, ip, bearer(sim, "admin")))[0] == 200
    assert (await scrape_as(sim, ip, {}, tls.issue(ca, "carol", organizations=("system:masters",), client=True)))[
        0] == 200  # fmt: skip
    assert await scrape_as(sim, ip, {}, tls.issue(ca, "dave", client=True)) == (
        403, "Forbidden (user=dave, verb=get, resource=nodes, subresource=metrics)")  # fmt: skip


def presented(ip: str) -> x509.Certificate:
    """The certificate the kubelet at ip serves, read without verifying it."""
    return x509.load_pem_x509_certificate(ssl.get_server_certificate((ip, 10250)).encode())


def san(cert: x509.Certificate) -> list[str]:
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return [str(name.value) for name in names]


async def verification_error(sim: Sim, ip: str) -> str:
    """Why a client verifying against the cluster CA rejects the kubelet at ip ('' if it accepts it)."""
    try:
        await scrape_as(sim, ip, bearer(sim, "scraper"))
    except httpx.ConnectError as error:
        return str(error)
    return ""


async def test_the_certificate_faults_serve_a_hostname_only_or_foreign_certificate_until_lifted(sim: Sim) -> None:
    name, ip = sorted((await sim.nodes()).items())[0]

    async def issued_by(issuer: str, names: list[str]) -> bool:
        try:
            cert = await asyncio.to_thread(presented, ip)
        except OSError:  # the kubelet is between listeners: it restarts to change certificates
            return False
        return cert.issuer.rfc4514_string() == f"CN={issuer}" and san(cert) == names

    assert await issued_by("flowmeter-sim-ca", [ip, name])
    await sim.kubectl("annotate", "node", name, f"{faults.ANNOTATION}=bad-cert")
    await eventually(lambda: issued_by("flowmeter-sim-ca", [name]))
    hostname_only = await verification_error(sim, ip)
    await sim.kubectl("annotate", "--overwrite", "node", name, f"{faults.ANNOTATION}=wrong-ca")
    await eventually(lambda: issued_by("flowmeter-sim-unrelated-ca", [ip, name]))
    foreign = await verification_error(sim, ip)
    await sim.kubectl("annotate", "node", name, f"{faults.ANNOTATION}-")
    await eventually(lambda: issued_by("flowmeter-sim-ca", [ip, name]))

    assert f"IP address mismatch, certificate is not valid for '{ip}'" in hostname_only
    assert "unable to get local issuer certificate" in foreign
    assert "node_cpu_usage_seconds_total" in await sim.scrape(ip)
