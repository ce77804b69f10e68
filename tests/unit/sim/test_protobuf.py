"""Protobuf request bodies: what real kubectl 1.32 sent (fixtures captured from its requests), and the wire's corners.

The fixtures were captured by pointing kubectl at a recording proxy in front of `python -m sim.apiserver`:
`kubectl create namespace team-a`, `kubectl create deployment web --image=nginx:1.27 --replicas=3 --port=8080`,
`kubectl create deployment idle --image=busybox:1.36 --replicas=0 -- sleep 3600`,
`kubectl create deployment pair --image=nginx:1.27 --image=redis:7`,
`kubectl autoscale deployment web --cpu-percent=50 --min=1 --max=10` and `... --max=5 --name=web-default`.
"""

from pathlib import Path

import pytest

from sim.apiserver import protobuf, protoschema

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.pb").read_bytes()


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        out.append(value & 0x7F | (0x80 if value > 0x7F else 0))
        value >>= 7
        if not value:
            return bytes(out)


def field(number: int, value: int | bytes) -> bytes:
    """One encoded field: a varint, or a length-delimited value."""
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    return varint(number << 3 | 2) + varint(len(value)) + value


def enveloped(api_version: str, kind: str, raw: bytes, encoding: str = "") -> bytes:
    type_meta = field(1, api_version.encode()) + field(2, kind.encode())
    return protobuf.MAGIC + field(1, type_meta) + field(2, raw) + field(3, encoding.encode()) + field(4, b"")


def test_kubectl_create_namespace_decodes_to_the_json_it_stands_for() -> None:
    assert protobuf.decode(fixture("kubectl-create-namespace")) == {
        "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}, "spec": {}, "status": {}}  # fmt: skip


def test_kubectl_create_deployment_keeps_replicas_selector_template_and_port() -> None:
    deployment = protobuf.decode(fixture("kubectl-create-deployment-port"))

    assert deployment["apiVersion"] == "apps/v1" and deployment["kind"] == "Deployment"
    assert deployment["metadata"] == {"name": "web", "namespace": "team-a", "labels": {"app": "web"}}
    assert deployment["spec"] == {
        "replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "strategy": {},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
            {"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 8080}], "resources": {}}]}},
    }  # fmt: skip


def test_a_pointer_field_keeps_its_zero_and_a_command_is_a_list() -> None:
    deployment = protobuf.decode(fixture("kubectl-create-deployment-command"))

    assert deployment["spec"]["replicas"] == 0  # --replicas=0 is sent, unlike the omitted plain zeros
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container == {"name": "busybox", "image": "busybox:1.36", "command": ["sleep", "3600"], "resources": {}}


def test_two_images_make_two_containers_and_no_replicas_stays_unset() -> None:
    deployment = protobuf.decode(fixture("kubectl-create-deployment-two-images"))

    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [("nginx", "nginx:1.27"), ("redis", "redis:7")]
    assert deployment["spec"]["replicas"] == 1  # kubectl sends its own default of 1


def test_kubectl_autoscale_sends_an_autoscaling_v1_hpa() -> None:
    hpa = protobuf.decode(fixture("kubectl-autoscale-cpu"))
    bare = protobuf.decode(fixture("kubectl-autoscale-default"))

    assert hpa == {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
                   "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
                            "minReplicas": 1, "maxReplicas": 10, "targetCPUUtilizationPercentage": 50},
                   "status": {}}  # fmt: skip
    assert bare["spec"] == {"scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
                            "maxReplicas": 5}  # fmt: skip


def test_times_quantities_int_or_strings_negative_ints_and_unknown_fields() -> None:
    meta = field(1, b"x") + field(8, field(1, 1_780_000_000) + field(2, 5)) + field(10, -1) + field(99, b"skipped")
    limits = field(1, field(1, b"cpu") + field(2, field(1, b"500m")))
    container = field(1, b"c") + field(8, limits)
    strategy = field(2, field(1, field(1, 1) + field(3, b"25%")) + field(2, field(1, 0) + field(2, 2)))
    spec = field(3, field(2, field(2, container))) + field(4, strategy)
    event = field(1, meta) + field(10, field(1, 1_780_000_000) + field(2, 123_456_789))

    deployment = protobuf.message("Deployment", field(1, meta) + field(2, spec))
    assert deployment["metadata"] == {"name": "x", "creationTimestamp": "2026-05-28T20:26:40Z",
                                      "deletionGracePeriodSeconds": -1}  # fmt: skip
    assert deployment["spec"]["strategy"] == {"rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 2}}
    assert deployment["spec"]["template"]["spec"]["containers"][0]["resources"] == {"limits": {"cpu": "500m"}}
    assert protobuf.message("Event", event)["eventTime"] == "2026-05-28T20:26:40.123456Z"


def test_an_hpa_v2_with_behavior_and_status_decodes_fully() -> None:
    target = field(1, b"Utilization") + field(4, 60)
    metric = field(1, b"Resource") + field(4, field(1, b"cpu") + field(2, target))
    rules = field(3, 0) + field(1, b"Max") + field(2, field(1, b"Pods") + field(2, 4) + field(3, 15))
    spec = field(2, 1) + field(3, 5) + field(4, metric) + field(5, field(1, rules))
    current = field(1, b"Resource") + field(4, field(1, b"cpu") + field(2, field(3, 45)))
    status = field(3, 2) + field(4, 2) + field(5, current)

    hpa = protobuf.decode(enveloped("autoscaling/v2", "HorizontalPodAutoscaler", field(2, spec) + field(3, status)))

    assert hpa["spec"]["behavior"] == {
        "scaleUp": {
            "stabilizationWindowSeconds": 0,
            "selectPolicy": "Max",
            "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15}],
        }
    }
    assert hpa["spec"]["metrics"][0]["resource"]["target"] == {"type": "Utilization", "averageUtilization": 60}
    assert hpa["status"] == {"currentReplicas": 2, "desiredReplicas": 2, "currentMetrics": [
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 45}}}]}  # fmt: skip


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{}", "magic number"),
        (protobuf.MAGIC + b"\x0a\x05", "runs past the end"),
        (protobuf.MAGIC + b"\x0b", "unsupported wire type 3"),
        (protobuf.MAGIC + b"\x08\xff", "varint"),
        (enveloped("v1", "Secret", b""), "no protobuf decoding for v1/Secret"),
        (enveloped("v1", "Namespace", b"", encoding="gzip"), "unsupported content encoding 'gzip'"),
        (enveloped("v1", "Namespace", field(1, 7)), "expected a length-delimited field"),
        (enveloped("v1", "Namespace", field(1, field(1, b"\xff"))), "not UTF-8"),
        (enveloped("v1", "Namespace", field(1, field(7, b"1"))), "expected a varint"),
        (enveloped("v1", "Namespace", b"\x09\x01"), "truncated fixed-width field 1"),
    ],
)  # fmt: skip
def test_undecodable_bodies_say_why(body: bytes, message: str) -> None:
    with pytest.raises(protobuf.ProtobufError, match=message):
        protobuf.decode(body)


def test_every_message_the_schema_names_is_defined() -> None:
    for name, fields in protoschema.MESSAGES.items():
        for spec in fields.values():
            assert spec.kind in protoschema.SCALARS or spec.kind in protoschema.MESSAGES, (name, spec)
    assert set(protoschema.KINDS.values()) <= set(protoschema.MESSAGES)


def test_fixed_width_fields_are_read_and_skipped_when_unknown() -> None:
    fixed64, fixed32 = varint(99 << 3 | 1) + bytes(8), varint(98 << 3 | 5) + bytes(4)

    assert protobuf.message("NamespaceStatus", fixed64 + fixed32 + field(1, b"Active")) == {"phase": "Active"}
    assert list(protobuf.fields(fixed32)) == [(98, 5, 0)]
