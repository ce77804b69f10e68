"""Content negotiation: which representation an `Accept` header asks for, in the client's order of preference.

client-go lists its choices in order (`as=Table` first, plain JSON last) and kubectl top appends `*/*` to its
protobuf choice, so the first media range we can produce wins. We produce JSON only: an Accept that allows nothing
but protobuf (or YAML) is answered 406, as kube-apiserver answers types it lacks.
"""

import enum

from sim.apiserver import errors

_META_VERSIONS = ("v1", "v1beta1")


class Output(enum.Enum):
    """A representation of objects."""

    JSON = "json"  # the objects themselves
    TABLE = "table"  # a meta.k8s.io/v1 Table, as kubectl get asks
    METADATA = "metadata"  # PartialObjectMetadata(List): metadata only, as metadata informers ask


def choose(accept: str) -> Output:
    """The first acceptable representation; ApiError 406 when there is none."""
    if not accept.strip():
        return Output.JSON
    for media_range in accept.split(","):
        output = _output(media_range)
        if output is not None:
            return output
    raise errors.not_acceptable()


def _output(media_range: str) -> Output | None:
    kind, *raw_params = (part.strip() for part in media_range.split(";"))
    params = dict(_param(raw) for raw in raw_params)
    if kind not in ("application/json", "application/*", "*/*"):
        return None
    conversion = params.get("as")
    if conversion is None:
        return Output.JSON
    if params.get("g") != "meta.k8s.io" or params.get("v") not in _META_VERSIONS:
        return None
    if conversion == "Table":
        return Output.TABLE
    # Lists and watch events differ only in the kind name; either form gets metadata-only objects.
    return Output.METADATA if conversion in ("PartialObjectMetadata", "PartialObjectMetadataList") else None


def aggregated_discovery(accept: str) -> bool:
    """Whether a discovery request (/api, /apis) takes apidiscovery.k8s.io/v2 before the legacy form."""
    for media_range in accept.split(","):
        kind, *raw_params = (part.strip() for part in media_range.split(";"))
        params = dict(_param(raw) for raw in raw_params)
        if kind not in ("application/json", "application/*", "*/*"):
            continue
        if params.get("g") != "apidiscovery.k8s.io":
            return False  # plain JSON (or anything) comes first
        if params.get("v") == "v2" and params.get("as") == "APIGroupDiscoveryList":
            return True
    return False


def _param(raw: str) -> tuple[str, str]:
    key, _, value = raw.partition("=")
    return key.strip().lower(), value.strip().strip('"')
