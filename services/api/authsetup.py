"""Where the gate's trust comes from: the --requestheader-*/--client-ca-file flags, or, for what they leave unset,
the `kube-system/extension-apiserver-authentication` ConfigMap that kube-apiserver publishes (as upstream reads it)."""

import json
import logging
from pathlib import Path

import msgspec
from cryptography import x509

from services.api import gate, identity
from services.api.config import Config
from services.lib import kube
from services.lib.lifecycle import StartupError

CONFIGMAP = "/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication"


class AuthenticationLookupError(StartupError):
    """The ConfigMap could not be read and the flags say not to tolerate that."""


class _ConfigMap(msgspec.Struct):
    data: dict[str, str] = {}


def _certificates(pem: str) -> tuple[x509.Certificate, ...]:
    return tuple(x509.load_pem_x509_certificates(pem.encode())) if pem.strip() else ()


def _list(text: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(json.loads(text)) if text else default


async def published(api: kube.Kube, config: Config, logger: logging.Logger) -> dict[str, str]:
    """The ConfigMap's data, or {} when the flags say to skip it or tolerate its absence."""
    if config.authentication_skip_lookup or (config.requestheader_client_ca_file and config.client_ca_file):
        return {}
    try:
        return msgspec.json.decode(await api.request("GET", CONFIGMAP), type=_ConfigMap).data
    except kube.KubeError as error:
        if not config.authentication_tolerate_lookup_failure:
            hint = "set --authentication-tolerate-lookup-failure or the --requestheader-* and --client-ca-file flags"
            raise AuthenticationLookupError(f"unable to read {CONFIGMAP}: {error}; {hint}") from None
        logger.warning("unable to read %s: %s; continuing without it", CONFIGMAP, error)
        return {}


def settings(config: Config, data: dict[str, str]) -> tuple[gate.Settings, list[str]]:
    """The gate's settings and the CA bundles (PEM) the TLS server must accept client certificates from."""
    proxy_pem = Path(config.requestheader_client_ca_file).read_text() if config.requestheader_client_ca_file else (
        data.get("requestheader-client-ca-file", ""))  # fmt: skip
    client_pem = Path(config.client_ca_file).read_text() if config.client_ca_file else data.get("client-ca-file", "")
    given = config.requestheader_client_ca_file  # the flags win as a set, as upstream's do
    proxy = identity.ProxySettings(
        allowed_names=config.requestheader_allowed_names
        if given
        else _list(data.get("requestheader-allowed-names"), ()),
        username_headers=config.requestheader_username_headers if given else _list(
            data.get("requestheader-username-headers"), config.requestheader_username_headers),
        group_headers=config.requestheader_group_headers if given else _list(
            data.get("requestheader-group-headers"), config.requestheader_group_headers),
        extra_prefixes=config.requestheader_extra_headers_prefix if given else _list(
            data.get("requestheader-extra-headers-prefix"), config.requestheader_extra_headers_prefix),
        uid_headers=config.requestheader_uid_headers,
    )  # fmt: skip
    result = gate.Settings(
        proxy=proxy, proxy_cas=_certificates(proxy_pem), client_cas=_certificates(client_pem),
        always_allow=config.authorization_always_allow_paths, token_ttl=config.authentication_token_webhook_cache_ttl,
        allowed_ttl=config.authorization_webhook_cache_authorized_ttl,
        denied_ttl=config.authorization_webhook_cache_unauthorized_ttl,
    )  # fmt: skip
    return result, [pem for pem in (proxy_pem, client_pem) if pem.strip()]
