"""The I/O of `flowmeter doctor`: reads through a kubeconfig, one TLS handshake with a kubelet, one NATS connection.

Nothing here writes to the cluster or to NATS.
"""

import asyncio
import contextlib
import ssl
from typing import TypeVar

import msgspec
import nats
from kubernetes_asyncio import client, config
from nats.errors import Error as NatsError
from nats.js.errors import Error as JetStreamError

from services.doctor import hpas, rules
from services.doctor.findings import Finding
from services.lib import kubeobjects, natsaccess
from services.lib.kube import Kube, KubeError
from services.lib.lifecycle import StartupError

T = TypeVar("T")
METRICS_API_SERVICES = ("v1beta1.metrics.k8s.io", "v1.metrics.k8s.io")
KUBELET_PORT = 10250  # when the node does not publish its kubelet's port


async def connect(kubeconfig: str, context: str) -> Kube:
    """A client for the kubeconfig's (current or given) context; the default kubeconfig when the path is empty."""
    configuration = client.Configuration()
    await config.load_kube_config(
        config_file=kubeconfig or None,
        context=context or None,
        client_configuration=configuration,
        persist_config=False,
    )
    return Kube(client.ApiClient(configuration))


async def get(kube: Kube, path: str, kind: type[T]) -> T | None:
    """The object at `path`, or None when it does not exist."""
    try:
        return msgspec.json.decode(await kube.request("GET", path), type=kind)
    except KubeError as error:
        if error.status == 404:
            return None
        raise


async def aggregation(kube: Kube) -> list[Finding]:
    """(a) The front proxy's settings that aggregated API servers read."""
    path = "/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication"
    return [rules.aggregation(await get(kube, path, rules.ConfigMap))]


async def api_services(kube: Kube, namespace: str) -> list[Finding]:
    """(b) Who serves metrics.k8s.io now."""
    base = "/apis/apiregistration.k8s.io/v1/apiservices"
    return [rules.api_service(name, await get(kube, f"{base}/{name}", rules.APIService), namespace)
            for name in METRICS_API_SERVICES]  # fmt: skip


async def hpa_requests(kube: Kube) -> list[Finding]:
    """(d) Every HPA's target has the requests its Utilization targets need."""
    body = await kube.request("GET", "/apis/autoscaling/v2/horizontalpodautoscalers")
    listed = msgspec.json.decode(body, type=kubeobjects.ObjectList[hpas.HPA])
    problems = []
    for hpa in listed.items:
        ref = hpa.spec.scale_target_ref
        if ref.kind not in hpas.SCALABLE:
            continue  # a custom resource's pod template is not ours to read
        path = f"/apis/apps/v1/namespaces/{hpa.metadata.namespace}/{hpas.SCALABLE[ref.kind]}/{ref.name}"
        finding = hpas.check(hpa, await get(kube, path, hpas.Workload))
        if finding is not None:
            problems.append(finding)
    return [*problems, hpas.summary(len(listed.items), len(problems))]


def endpoint(node: kubeobjects.Node, address_types: tuple[str, ...]) -> tuple[str, int] | None:
    """(address, port) the scraper would use for this node's kubelet."""
    port = node.status.daemon_endpoints.kubelet_endpoint.port or KUBELET_PORT
    for kind in address_types:
        for address in node.status.addresses:
            if address.type == kind:
                return address.address, port
    return None


async def kubelet(kube: Kube, address_types: tuple[str, ...], ca_file: str, insecure: bool, timeout: float) -> Finding:
    """(c) One kubelet's serving certificate, checked against the CA the scraper would trust."""
    body = await kube.request("GET", "/api/v1/nodes", [("limit", "50")])
    nodes = msgspec.json.decode(body, type=kubeobjects.ObjectList[kubeobjects.Node]).items
    found = next(((n.metadata.name, e) for n in nodes if (e := endpoint(n, address_types))), None)
    if found is None:
        return rules.no_kubelet(f"no node has an address of the types {','.join(address_types)}")
    name, (host, port) = found
    where = f"{host}:{port}"
    context = ssl.create_default_context(cafile=ca_file or kube.configuration.ssl_ca_cert or None)
    try:
        async with asyncio.timeout(timeout):
            _, writer = await asyncio.open_connection(host, port, ssl=context, server_hostname=host)
    except ssl.SSLCertVerificationError as error:
        return rules.kubelet_unverified(name, where, error.verify_code, error.verify_message, insecure)
    except (OSError, TimeoutError) as error:
        return rules.kubelet_unreachable(name, where, str(error) or type(error).__name__)
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return rules.kubelet_verified(name, where)


async def jetstream(url: str, credentials_file: str, ca_file: str, timeout: float) -> Finding:
    """(e) NATS answers, with these credentials, and has JetStream."""
    try:
        user, password = natsaccess.read_credentials(credentials_file) or (None, None)
        tls = natsaccess.client_tls(ca_file)
    except StartupError as error:
        return rules.nats_failed(url, str(error), "check the file paths given to doctor")

    async def quiet(_: Exception) -> None:  # the failure is reported once, as a finding
        pass

    try:
        nc = await nats.connect(url, user=user, password=password, tls=tls, connect_timeout=timeout,
                                allow_reconnect=False, max_reconnect_attempts=1, error_cb=quiet,
                                inbox_prefix=natsaccess.inbox_prefix(user) if user else "_INBOX")  # fmt: skip
    except (NatsError, OSError, TimeoutError) as error:
        return rules.nats_failed(url, f"cannot connect: {error or type(error).__name__}",
                                 "check the URL, that the server runs, the credentials and the CA")  # fmt: skip
    try:
        info = await nc.jetstream(timeout=timeout).account_info()
    except (NatsError, JetStreamError) as error:
        return rules.nats_failed(url, f"no JetStream: {error or type(error).__name__}",
                                 "enable JetStream on the server (`jetstream {}` in its config, or -js)")  # fmt: skip
    finally:
        await nc.close()
    return rules.nats_ok(url, info.streams)
