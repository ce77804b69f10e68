"""HorizontalPodAutoscalers as kube-apiserver treats them: defaults, validation messages, v1 <-> v2, TARGETS text."""

from typing import Any

import pytest

from sim.apiserver import errors, hpa, hpaconvert, hpatable
from sim.apiserver.resources import Obj

REF = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
CPU_50 = {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}
MEMORY_50MI = {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue",
                                                                             "averageValue": "50Mi"}}}  # fmt: skip


def new(**spec: Any) -> Obj:
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
            "spec": {"scaleTargetRef": REF, "maxReplicas": 10, **spec}}  # fmt: skip


def rejection(obj: Obj) -> Obj:
    with pytest.raises(errors.ApiError) as raised:
        hpa.admit_create(obj)
    return raised.value.status()


def test_an_hpa_without_metrics_or_minimum_targets_80_percent_cpu_from_one_pod() -> None:
    created = hpa.admit_create(new())

    assert created["spec"]["minReplicas"] == 1
    assert created["spec"]["metrics"] == [{"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": 80}}}]  # fmt: skip
    assert created["status"] == {"currentMetrics": None, "desiredReplicas": 0}
    assert "behavior" not in created["spec"]


def test_an_empty_behavior_gets_both_directions_and_scale_down_keeps_no_window() -> None:
    behavior = hpa.admit_create(new(behavior={}))["spec"]["behavior"]

    assert behavior == {
        "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
            {"type": "Pods", "value": 4, "periodSeconds": 15}, {"type": "Percent", "value": 100, "periodSeconds": 15}]},
        "scaleDown": {"selectPolicy": "Max", "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]},
    }  # fmt: skip


def test_given_behavior_fields_win_field_by_field_and_tolerance_is_kept() -> None:
    given = {"scaleDown": {"stabilizationWindowSeconds": 120, "tolerance": "0.05"},
             "scaleUp": {"selectPolicy": "Min", "tolerance": "10m"}}  # fmt: skip

    behavior = hpa.admit_create(new(behavior=given))["spec"]["behavior"]

    assert behavior["scaleDown"] == {"selectPolicy": "Max", "policies": [
        {"type": "Percent", "value": 100, "periodSeconds": 15}], "stabilizationWindowSeconds": 120,
        "tolerance": "0.05"}  # fmt: skip
    assert behavior["scaleUp"]["selectPolicy"] == "Min" and behavior["scaleUp"]["tolerance"] == "10m"
    assert len(behavior["scaleUp"]["policies"]) == 2


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"minReplicas": 5, "maxReplicas": 2}, "spec.maxReplicas: Invalid value: 2: must be greater than or equal to "
                                               "`minReplicas`"),
        ({"scaleTargetRef": {"name": "web"}}, "spec.scaleTargetRef.kind: Required value"),
        ({"scaleTargetRef": {"kind": "Deployment", "name": "a/b"}},
         "spec.scaleTargetRef.name: Invalid value: \"a/b\": may not contain '/'"),
        ({"metrics": [{"type": "Pods", "pods": {"metric": {"name": "rps"}, "target": {
            "type": "Utilization", "averageUtilization": 50}}}]},
         "spec.metrics[0].pods.target.averageValue: Required value: must specify a positive target averageValue"),
        ({"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": 0}}}]},
         "spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0"),
        ({"behavior": {"scaleDown": {"stabilizationWindowSeconds": -1}}},
         "spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: -1: must be greater than or equal to zero"),
        ({"behavior": {"scaleUp": {"stabilizationWindowSeconds": 3601}}},
         "spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 3601: must be less than or equal to 3600"),
        ({"behavior": {"scaleUp": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 1801}]}}},
         "spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800"),
        ({"behavior": {"scaleUp": {"policies": [{"type": "Pods", "value": 0, "periodSeconds": 15}]}}},
         "spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero"),
        ({"behavior": {"scaleDown": {"selectPolicy": "Fastest"}}},
         'spec.behavior.scaleDown.selectPolicy: Unsupported value: "Fastest": supported values: "Disabled", "Max", '
         '"Min"'),
        ({"behavior": {"scaleDown": {"policies": []}}},
         "spec.behavior.scaleDown.policies: Required value: must specify at least one Policy"),
        ({"behavior": {"scaleDown": {"policies": [{"type": "Share", "value": 1, "periodSeconds": 0}]}}},
         '[spec.behavior.scaleDown.policies[0].type: Unsupported value: "Share": supported values: "Percent", "Pods", '
         "spec.behavior.scaleDown.policies[0].periodSeconds: Invalid value: 0: must be greater than zero]"),
        ({"scaleTargetRef": {"kind": "..", "name": "web"}}, "spec.scaleTargetRef.kind: Invalid value: \"..\": may not "
                                                            "be '..'"),
        ({"metrics": [{"type": "Object", "object": {"describedObject": {"kind": "Ingress", "name": "main"},
                                                   "metric": {"name": "hits"}, "target": {"type": "Value"}}}]},
         "spec.metrics[0].object.target.averageValue: Required value: must set either a target value or averageValue"),
        ({"metrics": [{"type": "External", "external": {"metric": {"name": "queue"}, "target": {
            "type": "Value", "value": "1", "averageValue": "1"}}}]},
         "spec.metrics[0].external.target.value: Forbidden: may not set both a target value for metric and a per-pod "
         "target"),
        ({"metrics": [{"type": "External", "external": {"metric": {"name": "queue"}, "target": {"type": "Value"}}}]},
         "spec.metrics[0].external.target.averageValue: Required value: must set either a target value for metric or "
         "a per-pod target"),
        ({"metrics": [{"type": "ContainerResource", "containerResource": {"name": "cpu", "target": {
            "type": "Total", "averageValue": "-1", "averageUtilization": 50}}}]},
         "[spec.metrics[0].containerResource.container: Required value: must specify a container, "
         "spec.metrics[0].containerResource.target.type: Invalid value: \"Total\": must be either Utilization, Value, "
         "or AverageValue, spec.metrics[0].containerResource.target.averageValue: Invalid value: \"-1\": must be "
         "positive, spec.metrics[0].containerResource.target.averageValue: Forbidden: may not set both a target raw "
         "value and a target utilization]"),
        ({"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization"}}}]},
         "spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or "
         "a target utilization"),
        ({"metrics": [{"type": "Pods", "resource": {"name": "cpu", "target": {"type": "AverageValue",
                                                                               "averageValue": "lots"}}}]},
         "[spec.metrics[0].resource.target.averageValue: Invalid value: \"lots\": must be positive, "
         "spec.metrics[0].pods: Required value: must populate information for the given metric source]"),
        ({"metrics": [{"type": "Pods", "pods": {"metric": {"name": "rps"}, "target": {"type": "AverageValue",
                                                                                      "averageValue": "1"}},
                       "resource": {}}]},
         "spec.metrics[0].resource: Forbidden: must populate the given metric source only"),
    ],
)  # fmt: skip
def test_each_invalid_spec_is_a_422_with_kube_apiservers_message(spec: Obj, message: str) -> None:
    status = rejection(new(**spec))

    assert status["code"] == 422 and status["reason"] == "Invalid"
    assert status["message"] == f'HorizontalPodAutoscaler.autoscaling "web" is invalid: {message}'
    assert status["details"]["kind"] == "HorizontalPodAutoscaler" and status["details"]["group"] == "autoscaling"


def test_several_errors_are_listed_in_kubes_order_with_their_causes() -> None:
    status = rejection(new(minReplicas=0, maxReplicas=0, metrics=[{"type": "Bogus"}]))

    assert status["message"] == (
        'HorizontalPodAutoscaler.autoscaling "web" is invalid: [spec.minReplicas: Invalid value: 0: must be greater '
        "than or equal to 1, spec.maxReplicas: Invalid value: 0: must be greater than 0, spec.metrics[0].type: "
        'Unsupported value: "Bogus": supported values: "ContainerResource", "External", "Object", "Pods", '
        '"Resource", spec.metrics: Forbidden: must specify at least one Object or External metric to support '
        "scaling to zero replicas]"
    )
    reasons = [(cause["reason"], cause["field"]) for cause in status["details"]["causes"]]
    assert reasons[:2] == [("FieldValueInvalid", "spec.minReplicas"), ("FieldValueInvalid", "spec.maxReplicas")]
    assert ("FieldValueNotSupported", "spec.metrics[0].type") in reasons


def test_a_wrongly_typed_field_is_a_400_as_decoding_would_fail() -> None:
    with pytest.raises(errors.ApiError) as raised:
        hpa.admit_create(new(maxReplicas="ten"))

    assert raised.value.code == 400 and "Expected `int`, got `str` - at `$.spec.maxReplicas`" in raised.value.message


def test_an_update_keeps_the_status_and_a_status_update_keeps_the_spec() -> None:
    stored = hpa.admit_create(new(metrics=[CPU_50]))
    current = {"currentReplicas": 2, "desiredReplicas": 3, "currentMetrics": [
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 45}}}]}  # fmt: skip

    with_status = hpa.admit_status(stored, {**stored, "spec": {"maxReplicas": 1}, "status": current})
    resized = hpa.admit_update(with_status, {**with_status, "spec": {**stored["spec"], "maxReplicas": 20},
                                             "status": {}})  # fmt: skip

    assert with_status["spec"] == stored["spec"] and with_status["status"] == current
    assert resized["spec"]["maxReplicas"] == 20 and resized["status"] == current


def test_a_negative_desired_count_is_refused_on_status() -> None:
    stored = hpa.admit_create(new())
    with pytest.raises(errors.ApiError) as raised:
        hpa.admit_status(stored, {"status": {"desiredReplicas": -1}})

    assert raised.value.message.endswith(
        "status.desiredReplicas: Invalid value: -1: must be greater than or equal to 0"
    )


def test_v1_shows_the_cpu_target_and_keeps_everything_else_in_annotations() -> None:
    stored = hpa.admit_create(new(metrics=[MEMORY_50MI, CPU_50], behavior={}))
    stored["status"] = {"currentReplicas": 2, "desiredReplicas": 2, "currentMetrics": [
        {"type": "Resource", "resource": {"name": "memory", "current": {"averageValue": "52428800"}}},
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 45, "averageValue": "90m"}}}],
        "conditions": [{"status": "True", "type": "AbleToScale", "reason": "SucceededRescale"}]}  # fmt: skip

    v1 = hpaconvert.to_v1(stored)

    assert v1["apiVersion"] == "autoscaling/v1"
    assert v1["spec"] == {"scaleTargetRef": REF, "minReplicas": 1, "maxReplicas": 10,
                          "targetCPUUtilizationPercentage": 50}  # fmt: skip
    assert v1["status"] == {"currentReplicas": 2, "desiredReplicas": 2, "currentCPUUtilizationPercentage": 45}
    annotations = v1["metadata"]["annotations"]
    assert annotations[hpaconvert.METRICS] == (
        '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"50Mi"}}]'
    )
    assert annotations[hpaconvert.CONDITIONS] == '[{"type":"AbleToScale","status":"True","reason":"SucceededRescale"}]'
    assert '"currentAverageUtilization":45,"currentAverageValue":"90m"' in annotations[hpaconvert.CURRENT_METRICS]
    assert hpaconvert.from_v1(v1) | {"apiVersion": stored["apiVersion"]} == stored  # the round trip loses nothing


def test_a_plain_v1_hpa_becomes_a_v2_cpu_metric_and_defaults_apply_without_one() -> None:
    v1 = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
          "spec": {"scaleTargetRef": REF, "maxReplicas": 5, "targetCPUUtilizationPercentage": 70}}  # fmt: skip

    with_cpu = hpa.admit_create(hpaconvert.from_v1(v1))
    without = hpa.admit_create(hpaconvert.from_v1({**v1, "spec": {"scaleTargetRef": REF, "maxReplicas": 5}}))

    assert with_cpu["spec"]["metrics"] == [{"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": 70}}}]  # fmt: skip
    assert hpaconvert.to_v1(without)["spec"]["targetCPUUtilizationPercentage"] == 80
    assert "annotations" not in hpaconvert.to_v1(with_cpu)["metadata"]


def test_v1_turns_pods_object_and_external_metrics_into_their_v2_targets() -> None:
    others = ('[{"type":"Pods","pods":{"metricName":"rps","targetAverageValue":"10"}},'
              '{"type":"Object","object":{"target":{"kind":"Ingress","name":"main"},"metricName":"hits",'
              '"targetValue":"2k"}},{"type":"External","external":{"metricName":"queue","targetAverageValue":"30"}}]')  # fmt: skip
    v1 = {"metadata": {"name": "web", "annotations": {hpaconvert.METRICS: others, "team": "a"}},
          "spec": {"scaleTargetRef": REF, "maxReplicas": 5}}  # fmt: skip

    v2 = hpaconvert.from_v1(v1)

    assert v2["metadata"]["annotations"] == {"team": "a"}
    assert [m[m["type"].lower()]["target"] for m in v2["spec"]["metrics"]] == [
        {"type": "AverageValue", "averageValue": "10"}, {"type": "Value", "value": "2k"},
        {"type": "AverageValue", "averageValue": "30"}]  # fmt: skip
    assert v2["spec"]["metrics"][1]["object"]["describedObject"] == {"kind": "Ingress", "name": "main"}


@pytest.mark.parametrize(
    ("metrics", "current", "text"),
    [
        ([], [], "<none>"),
        ([CPU_50], [], "cpu: <unknown>/50%"),
        ([CPU_50], [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 45}}}],
         "cpu: 45%/50%"),
        ([MEMORY_50MI, CPU_50], [{"type": "Resource", "resource": {"name": "memory", "current": {
            "averageValue": "52428800"}}}], "memory: 52428800/50Mi, cpu: <unknown>/50%"),
        ([CPU_50, MEMORY_50MI, CPU_50, CPU_50], [], "cpu: <unknown>/50%, memory: <unknown>/50Mi + 2 more..."),
        ([{"type": "Pods", "pods": {"metric": {"name": "rps"}, "target": {"type": "AverageValue",
                                                                          "averageValue": "1000m"}}}],
         [{"type": "Pods", "pods": {"current": {"averageValue": "2500m"}}}], "2500m/1"),
        ([{"type": "External", "external": {"target": {"type": "AverageValue", "averageValue": "30"}}},
          {"type": "Object", "object": {"target": {"type": "Value", "value": "2k"}}}], [],
         "<unknown>/30 (avg), <unknown>/2k"),
        ([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization"}}}], [],
         "cpu: <unknown>/<auto>"),
        ([{"type": "Other"}], [], "<unknown type>"),
    ],
)  # fmt: skip
def test_targets_read_as_kube_apiserver_prints_them(metrics: list[Obj], current: list[Obj], text: str) -> None:
    assert hpatable.targets(metrics, current) == text


def test_a_row_has_reference_min_max_replicas_and_age() -> None:
    stored = hpa.admit_create(new(metrics=[CPU_50]))
    stored["status"] = {"currentReplicas": 3}

    assert hpatable.cells(stored, "5m") == ["web", "Deployment/web", "cpu: <unknown>/50%", "1", 10, 3, "5m"]
    assert hpatable.cells({"metadata": {"name": "x"}, "spec": {}}, "1s")[3] == "<unset>"


@pytest.mark.parametrize(
    ("given", "printed"),
    [("52428800", "52428800"), ("50Mi", "50Mi"), ("0.5Gi", "512Mi"), ("1000m", "1"), ("1.5", "1500m"),
     ("512Ki", "512Ki"), ("1e3", "1e3"), ("1500e-3", "1500e-3"), (100, "100"), (None, "<nil>"), ("lots", "lots")],
)  # fmt: skip
def test_quantities_print_in_their_canonical_form(given: Any, printed: str) -> None:
    assert hpatable.canonical(given) == printed


def test_a_v1_hpa_without_a_current_metrics_annotation_reports_its_cpu_and_bad_annotations_are_400s() -> None:
    v1 = {"metadata": {"name": "web"}, "spec": {"scaleTargetRef": REF, "maxReplicas": 5},
          "status": {"currentReplicas": 1, "desiredReplicas": 1, "currentCPUUtilizationPercentage": 30}}  # fmt: skip

    assert hpaconvert.from_v1(v1)["status"]["currentMetrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 30}}}]  # fmt: skip
    with pytest.raises(errors.ApiError) as raised:
        hpaconvert.from_v1({**v1, "metadata": {"name": "web", "annotations": {hpaconvert.METRICS: "[nope"}}})
    assert raised.value.code == 400


def test_an_unknown_metric_type_travels_through_v1_as_just_its_type() -> None:
    stored = {"metadata": {"name": "web"}, "spec": {"metrics": [{"type": "Custom", "custom": {"x": 1}}]}}

    assert hpaconvert.to_v1(stored)["metadata"]["annotations"][hpaconvert.METRICS] == '[{"type":"Custom"}]'
