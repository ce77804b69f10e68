"""`flowmeter nats-secrets`: the two Secrets NATS needs in a real cluster, as a List for `kubectl apply -f -`.

- `flowmeter-nats-users`: `auth.conf` (nats-server's users with their permissions) and one `<service>.creds` per
  service, with fresh random passwords. Each Deployment mounts only its own key.
- `flowmeter-nats-tls`: a new CA and nats-server's certificate for the Service's DNS names (and localhost, so
  `kubectl port-forward` works), plus `ca.crt`, which the services mount to verify the server. The certificate also
  names every pod behind the headless Service and serves as a client certificate too, so the servers of a cluster
  (the `ha` overlay) verify each other's route connections with it.

Run it once per install; running it again rotates every password and certificate (restart the pods afterwards).
"""

import argparse
import base64
import json
import sys
from collections.abc import Sequence
from typing import Any

from services.lib import natsaccess, tls

USERS_SECRET, TLS_SECRET = "flowmeter-nats-users", "flowmeter-nats-tls"


def _secret(name: str, namespace: str, files: dict[str, bytes], kind: str = "Opaque") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/part-of": "flowmeter"}},
        "type": kind,
        "data": {key: base64.b64encode(value).decode() for key, value in files.items()},
    }


def dns_names(service: str, namespace: str) -> tuple[str, ...]:
    """Every name a client inside the cluster may use for the Service, each server's name behind the headless
    Service (for routes between servers), and localhost for port-forwarding."""
    base, pods = f"{service}.{namespace}", f"*.{service}-headless.{namespace}"
    return (service, base, f"{base}.svc", f"{base}.svc.cluster.local", f"{pods}.svc", f"{pods}.svc.cluster.local",
            "localhost", "127.0.0.1")  # fmt: skip


def secrets(namespace: str, service: str = "nats") -> dict[str, Any]:
    """A v1 List of both Secrets."""
    passwords = natsaccess.new_passwords()
    users = {"auth.conf": natsaccess.authorization(passwords).encode()}
    users |= {f"{user}.creds": natsaccess.credentials(user, password).encode() for user, password in passwords.items()}
    ca = tls.new_ca(f"flowmeter-nats-ca.{namespace}")
    server = tls.issue(ca, service, hosts=dns_names(service, namespace), peer=True)
    certificates = {"tls.crt": server.cert_pem, "tls.key": server.key_pem, "ca.crt": ca.cert_pem}
    return {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            _secret(USERS_SECRET, namespace, users),
            _secret(TLS_SECRET, namespace, certificates, "kubernetes.io/tls"),
        ],
    }


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="flowmeter nats-secrets", description=__doc__.split("\n\n")[0])
    parser.add_argument("--namespace", default="flowmeter", help="where Flowmeter runs (default: flowmeter)")
    parser.add_argument("--service", default="nats", help="the NATS Service's name (default: nats)")
    args = parser.parse_args(argv)
    json.dump(secrets(args.namespace, args.service), sys.stdout, indent=2)
    print()
    return 0
