"""A lean Kubernetes API client and informer.

kubernetes_asyncio loads kubeconfig or in-cluster credentials and owns the TLS session (token refresh included);
bodies are decoded by msgspec into the few fields a service needs, because generated models are far too slow for
hundreds of thousands of pods.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Generic, TypeVar

import aiohttp
import msgspec
from kubernetes_asyncio import client, config

from services.lib import kubeobjects

T = TypeVar("T", bound=kubeobjects.Object)
JSON = "application/json"
METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
Params = Sequence[tuple[str, str]]


class KubeError(Exception):
    """The API server answered with an error Status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


async def configuration(kubeconfig: str) -> client.Configuration:
    """Credentials from a kubeconfig file, or from the pod's service account when the path is empty."""
    result = client.Configuration()
    if kubeconfig:
        await config.load_kube_config(config_file=kubeconfig, client_configuration=result, persist_config=False)
    else:
        config.load_incluster_config(client_configuration=result)  # type: ignore[no-untyped-call]
    return result


class Kube:
    """Raw requests against one API server."""

    def __init__(self, api: client.ApiClient) -> None:
        self._api = api

    @classmethod
    async def connect(cls, kubeconfig: str) -> "Kube":
        """A client for the cluster the kubeconfig (or the service account) points at."""
        return cls(client.ApiClient(await configuration(kubeconfig)))

    @property
    def configuration(self) -> client.Configuration:
        """The loaded credentials: server, CA, client certificate, token."""
        return self._api.configuration

    async def close(self) -> None:
        """Close the HTTP session."""
        await self._api.close()

    async def request(
        self,
        method: str,
        path: str,
        params: Params = (),
        body: bytes | None = None,
        content_type: str = JSON,
        accept: str = JSON,
        timeout: float = 60,
    ) -> bytes:
        """The response body of a request; KubeError for any status >= 400."""
        response = await self._send(method, path, params, body, content_type, accept, timeout)
        async with response:
            data = await response.read()
            if response.status >= 400:
                raise KubeError(response.status, _status_message(data))
            return data

    async def lines(self, path: str, params: Params, accept: str = JSON) -> AsyncIterator[bytes]:
        """The lines of a streaming response such as a watch, as they arrive."""
        response = await self._send("GET", path, params, None, JSON, accept, None)
        async with response:
            if response.status >= 400:
                raise KubeError(response.status, _status_message(await response.read()))
            buffer = b""
            async for chunk in response.content.iter_any():
                buffer += chunk
                *complete, buffer = buffer.split(b"\n")
                for line in complete:
                    if line.strip():
                        yield line

    async def _send(
        self,
        method: str,
        path: str,
        params: Params,
        body: bytes | None,
        content_type: str,
        accept: str,
        timeout: float | None,
    ) -> aiohttp.ClientResponse:
        response: aiohttp.ClientResponse = await self._api.call_api(
            path,
            method,
            query_params=list(params),
            header_params={"Accept": accept, "Content-Type": content_type},
            body=None if body is None else msgspec.json.decode(body),  # the client JSON-encodes bodies itself
            auth_settings=["BearerToken"],
            _preload_content=False,
            _request_timeout=aiohttp.ClientTimeout(total=timeout, sock_connect=10),
        )
        return response


def _status_message(data: bytes) -> str:
    try:
        return msgspec.json.decode(data, type=kubeobjects.Status).message or data[:200].decode(errors="replace")
    except msgspec.DecodeError:
        return data[:200].decode(errors="replace")


class _RawEvent(msgspec.Struct):
    type: str
    object: msgspec.Raw


LIST_PAGE_SIZE = 500  # client-go's reflector default


class Informer(Generic[T]):
    """List, then watch one collection from the last resourceVersion; keeps a cache keyed by namespace/name.

    `on_change(old, new)` runs for every change after a list or event (old None = added, new None = deleted).
    """

    def __init__(
        self,
        kube: Kube,
        path: str,
        item_type: type[T],
        logger: logging.Logger,
        params: Params = (),
        accept: str = JSON,
        on_change: Callable[[T | None, T | None], None] = lambda old, new: None,
    ) -> None:
        self.objects: dict[str, T] = {}
        self.synced = asyncio.Event()
        self._kube, self._path, self._params, self._accept = kube, path, tuple(params), accept
        self._on_change, self._logger = on_change, logger
        self._item_type = item_type
        self._list_decoder: msgspec.json.Decoder[kubeobjects.ObjectList[T]] = msgspec.json.Decoder(
            kubeobjects.ObjectList[item_type]  # type: ignore[valid-type]
        )
        self._item_decoder = msgspec.json.Decoder(item_type)

    async def run(self) -> None:
        """Keep the cache in step with the API server forever, re-listing when the watch falls too far behind."""
        backoff = 0.5
        while True:
            try:
                version = await self._list()
                backoff = 0.5
                while version:
                    version = await self._watch(version)
            except (KubeError, aiohttp.ClientError, TimeoutError, msgspec.DecodeError) as error:
                self._logger.warning("informer path=%s failed: %s; retrying in %.1fs", self._path, error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30)

    async def _list(self) -> str:
        """List in pages, as client-go's reflector does: a 70,000-pod list in one body would set the process's peak
        memory for the rest of its life."""
        fresh: dict[str, T] = {}
        token = ""
        while True:
            params = (*self._params, ("limit", str(LIST_PAGE_SIZE)), *((("continue", token),) if token else ()))
            body = await self._kube.request("GET", self._path, params, accept=self._accept, timeout=300)
            listed = self._list_decoder.decode(body)
            fresh.update((item.metadata.key, item) for item in listed.items)
            token = listed.metadata.continue_
            if not token:
                break
        for key, old in list(self.objects.items()):
            if key not in fresh:
                del self.objects[key]
                self._on_change(old, None)
        for key, item in fresh.items():
            previous = self.objects.get(key)
            self.objects[key] = item
            self._on_change(previous, item)
        self.synced.set()
        return listed.metadata.resource_version

    async def _watch(self, version: str) -> str:
        """Follow the watch until it ends; the version to resume from, or '' to re-list."""
        params = (
            *self._params,
            ("watch", "true"),
            ("resourceVersion", version),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", "300"),
        )
        async for line in self._kube.lines(self._path, params, self._accept):
            event = msgspec.json.decode(line, type=_RawEvent)
            if event.type == "ERROR":
                status = msgspec.json.decode(event.object, type=kubeobjects.Status)
                self._logger.info("watch path=%s ended: %s", self._path, status.message)
                return "" if status.code == 410 else version
            if event.type == "BOOKMARK":
                version = msgspec.json.decode(event.object, type=kubeobjects.Bookmark).metadata.resource_version
                continue
            item = self._item_decoder.decode(event.object)
            version = item.metadata.resource_version or version
            self._apply(event.type, item)
        return version

    def _apply(self, kind: str, item: T) -> None:
        key = item.metadata.key
        old = self.objects.get(key)
        if kind == "DELETED":
            self.objects.pop(key, None)
            self._on_change(old, None)
        else:
            self.objects[key] = item
            self._on_change(old, item)
