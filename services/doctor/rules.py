"""What each observation means for an install of Flowmeter: pure functions from objects (or errors) to findings."""

import msgspec

from services.doctor.findings import Finding, fail, ok, warn
from services.lib import kubeobjects

AGGREGATION = "aggregation layer"
API_SERVICE = "APIService"
KUBELET = "kubelet TLS"
HPA_REQUESTS = "HPA requests"
NATS = "NATS"
OUR_SERVICE = "flowmeter-api"
CA_KEY = "requestheader-client-ca-file"
OPEN_THE_PATH = ("the scraper runs inside the cluster and may well reach it; make sure pods may connect to the "
                 "nodes' kubelet port (network policies, security groups, firewalls)")  # fmt: skip
_IP_MISMATCH, _HOSTNAME_MISMATCH = 64, 62  # OpenSSL X509_V_ERR_IP_ADDRESS_MISMATCH, X509_V_ERR_HOSTNAME_MISMATCH


class ServiceReference(msgspec.Struct, kw_only=True):
    namespace: str = ""
    name: str = ""


class APIServiceSpec(msgspec.Struct, kw_only=True):
    service: ServiceReference | None = None  # none: served by kube-apiserver itself


class APIService(kubeobjects.Object, kw_only=True):
    spec: APIServiceSpec = msgspec.field(default_factory=APIServiceSpec)


class ConfigMap(kubeobjects.Object, kw_only=True):
    data: dict[str, str] = {}


def aggregation(config_map: ConfigMap | None) -> Finding:
    """Is kube-apiserver set up to front aggregated API servers?"""
    remedy = (
        "configure kube-apiserver's aggregation layer: --requestheader-client-ca-file, "
        "--requestheader-allowed-names, --requestheader-*-headers, --proxy-client-cert-file and "
        "--proxy-client-key-file (kubeadm, kind and managed clusters set them already)"
    )
    where = "kube-system/extension-apiserver-authentication"
    if config_map is None:
        return fail(AGGREGATION, f"ConfigMap {where} does not exist", remedy)
    if not config_map.data.get(CA_KEY):
        return fail(AGGREGATION, f"{where} has no {CA_KEY}", remedy)
    names = config_map.data.get("requestheader-allowed-names", "[]")
    return ok(AGGREGATION, f"{where} has {CA_KEY}; allowed names {names}")


def api_service(name: str, found: APIService | None, namespace: str) -> Finding:
    """Is `name` free, already ours, or someone else's (and whose)?"""
    check = f"{API_SERVICE} {name}"
    if found is None:
        return ok(check, "not registered yet: Flowmeter's will be the only one")
    service = found.spec.service
    if service is None:
        return fail(
            check,
            "served by kube-apiserver itself (no service)",
            f"leave this cluster's metrics API alone, or delete the APIService {name} first",
        )
    if (service.namespace, service.name) == (namespace, OUR_SERVICE):
        return ok(check, f"already Flowmeter's ({namespace}/{OUR_SERVICE})")
    owner = f"service {service.namespace}/{service.name}"
    labels = found.metadata.labels
    if labels.get("addonmanager.kubernetes.io/mode") == "Reconcile":
        return fail(
            check,
            f"served by {owner}, kept by the cluster's addon manager",
            "the provider's addon (ACK, TKE, GKE ...) would put its APIService back over "
            "Flowmeter's: turn the metrics-server addon off in the provider's console first",
        )
    manager = labels.get("app.kubernetes.io/managed-by", "")
    release = found.metadata.annotations.get("meta.helm.sh/release-name", "")
    if manager:
        example = f"helm uninstall {release or '<release>'} -n {service.namespace}"
        return fail(
            check,
            f"served by {owner}, managed by {manager}",
            f"remove it with the tool that manages it first (e.g. `{example}`), or it comes back",
        )
    return warn(
        check,
        f"served by {owner}, installed by hand",
        f"installing Flowmeter takes the APIService over; then delete {owner} and its Deployment",
    )


def kubelet_unreachable(node: str, endpoint: str, error: str) -> Finding:
    """No TCP connection or TLS handshake to the kubelet from where doctor runs."""
    return warn(KUBELET, f"node {node}: cannot reach {endpoint} from here: {error}", OPEN_THE_PATH)


def kubelet_verified(node: str, endpoint: str) -> Finding:
    """The kubelet's serving certificate verified for the address the scraper would use."""
    return ok(KUBELET, f"node {node}: {endpoint} serves a certificate that verifies")


def kubelet_unverified(node: str, endpoint: str, verify_code: int, message: str, insecure: bool) -> Finding:
    """The kubelet's certificate does not verify: which flag fixes it depends on why."""
    summary = f"node {node}: {endpoint} serves a certificate that does not verify: {message}"
    if insecure:
        return warn(
            KUBELET,
            summary,
            "tolerated by --kubelet-insecure-tls; better: kubelet serving certificates signed by the cluster CA",
        )
    if verify_code in (_IP_MISMATCH, _HOSTNAME_MISMATCH):
        remedy = (
            "the certificate does not name this address: have the scraper use one it names with "
            "--kubelet-preferred-address-types (e.g. Hostname,InternalIP when node names resolve in the "
            "cluster), or have kubelets serve certificates with IP SANs (serverTLSBootstrap), or skip "
            "verification with --kubelet-insecure-tls (components/insecure-kubelet-tls)"
        )
    else:
        remedy = (
            "the certificate is not signed by the CA used here: give the scraper the CA that signs kubelet "
            "serving certificates with --kubelet-certificate-authority (check it with doctor's flag of the "
            "same name), or skip verification with --kubelet-insecure-tls (components/insecure-kubelet-tls)"
        )
    return fail(KUBELET, summary, remedy)


def no_kubelet(reason: str) -> Finding:
    """No node to try."""
    return warn(KUBELET, reason, "run doctor again once nodes have joined")


def nats_ok(url: str, streams: int) -> Finding:
    """NATS answered with JetStream."""
    return ok(NATS, f"{url}: JetStream enabled, {streams} streams for this user")


def nats_failed(url: str, error: str, remedy: str) -> Finding:
    """NATS could not be reached, or has no JetStream."""
    return fail(NATS, f"{url}: {error}", remedy)


def nats_unchecked() -> Finding:
    """No NATS given."""
    return warn(
        NATS,
        "not checked: no --nats-url given",
        "to check an existing NATS, give --nats-url (and its credentials and CA files); the base overlay runs its own",
    )
