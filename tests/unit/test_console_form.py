"""Stories of the HPA wizard's form: each bad field gets its own message, a good form builds KubeSphere's HPA, and the
HPA reads back into the same form (Edit YAML round-trips)."""

import msgspec
import pytest

from services.console import hpaform


def good(**changes: object) -> hpaform.HpaForm:
    form = hpaform.HpaForm(name="web", namespace="shop", target_name="web", min_replicas="2", max_replicas="10",
                           cpu_value="50", memory_value="256", alias="Web front", description="scales the shop's web")  # fmt: skip
    return msgspec.structs.replace(form, **changes)


def test_a_good_form_has_no_errors() -> None:
    assert hpaform.validate(good()) == {}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Name is required."),
        ({"name": "a" * 64}, "name", "Name must be at most 63 characters."),
        ({"name": "Web_1"}, "name", "Name may contain only lowercase letters, digits and '-'"),
        ({"name": "-web"}, "name", "must start and end with a letter or digit"),
        ({"alias": "x" * 64}, "alias", "Alias must be at most 63 characters."),
        ({"description": "x" * 257}, "description", "Description must be at most 256 characters."),
        ({"target_name": ""}, "target_name", "Choose the workload to scale."),
        ({"target_kind": "DaemonSet"}, "target_kind", "Scale target must be a Deployment or a StatefulSet."),
        ({"min_replicas": "0"}, "min_replicas", "Minimum replicas must be a whole number, at least 1."),
        ({"min_replicas": "two"}, "min_replicas", "Minimum replicas must be a whole number, at least 1."),
        ({"max_replicas": "0"}, "max_replicas", "Maximum replicas must be a whole number, at least 1."),
        ({"min_replicas": "5", "max_replicas": "3"}, "max_replicas", "Maximum replicas must be at least the minimum"),
        ({"cpu_value": "101"}, "cpu_value", "CPU target must be a whole percentage from 1 to 100."),
        ({"cpu_type": "AverageValue", "cpu_value": "0"}, "cpu_value", "CPU target must be a whole number of m"),
        ({"memory_value": "1.5"}, "memory_value", "Memory target must be a whole number of Mi, at least 1."),
        ({"cpu_value": "", "memory_value": ""}, "metrics", "at least one metric is required"),
        ({"cpu_type": "", "memory_value": ""}, "metrics", "at least one metric is required"),
    ],
)
def test_each_bad_field_gets_its_message(changes: dict[str, object], field: str, message: str) -> None:
    errors = hpaform.validate(good(**changes))
    assert list(errors) == [field]
    assert message in errors[field]


def test_advanced_settings_are_checked_per_policy() -> None:
    up = hpaform.Rules(select_policy="Fastest", stabilization_window_seconds="3601",
                       policies=[hpaform.Policy(type="Nodes", value="0", period_seconds="1801")])  # fmt: skip
    errors = hpaform.validate(good(scale_up=up, scale_down=hpaform.Rules(policies=[])))
    assert errors == {
        "scale_up.select_policy": "Policy selection must be Max, Min or Disabled.",
        "scale_up.stabilization_window_seconds": "Stabilization window must be 0 to 3600 seconds.",
        "scale_up.policies.0.type": "Policy type must be Pods or Percent.",
        "scale_up.policies.0.value": "Policy value must be a whole number, at least 1.",
        "scale_up.policies.0.period_seconds": "Policy period must be 1 to 1800 seconds.",
        "scale_down.policies": "Add at least one policy.",
    }


def test_earlier_steps_are_checked_without_later_ones() -> None:
    assert hpaform.validate(good(name="", min_replicas="0"), step=1) == {"name": "Name is required."}


def test_the_wizard_prefills_the_kubernetes_behavior_defaults() -> None:
    form = hpaform.HpaForm()
    built = hpaform.build(good(), "uid-1")["spec"]["behavior"]
    assert (form.scale_up.stabilization_window_seconds, form.scale_down.stabilization_window_seconds) == ("0", "300")
    assert built == {
        "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
            {"type": "Percent", "value": 100, "periodSeconds": 15}, {"type": "Pods", "value": 4, "periodSeconds": 15}]},
        "scaleDown": {"stabilizationWindowSeconds": 300, "selectPolicy": "Max", "policies": [
            {"type": "Percent", "value": 100, "periodSeconds": 15}]},
    }  # fmt: skip


def test_the_hpa_is_autoscaling_v2_owned_by_its_workload_with_kubesphere_labels() -> None:
    hpa = hpaform.build(good(cpu_type="AverageValue", cpu_value="200"), "uid-1")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["metadata"] == {
        "name": "web",
        "namespace": "shop",
        "labels": {hpaform.TARGET_KIND: "Deployment", hpaform.TARGET_NAME: "web"},
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "uid-1",
                             "controller": True, "blockOwnerDeletion": True}],
        "annotations": {hpaform.ALIAS: "Web front", hpaform.DESCRIPTION: "scales the shop's web"},
    }  # fmt: skip
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 10)
    assert hpa["spec"]["metrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "AverageValue", "averageValue": "200m"}}},
        {
            "type": "Resource",
            "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "256Mi"}},
        },
    ]


def test_an_empty_target_leaves_its_metric_out() -> None:
    hpa = hpaform.build(good(memory_value=""), "uid-1")
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]


def test_the_hpa_reads_back_into_the_same_form() -> None:
    form = good(scale_down=hpaform.Rules(select_policy="Disabled", stabilization_window_seconds="600",
                                         policies=[hpaform.Policy(type="Pods", value="1", period_seconds="600")]))  # fmt: skip
    assert hpaform.read(hpaform.build(form, "uid-1")) == form


def test_an_hpa_with_other_metrics_cannot_be_edited_in_the_form() -> None:
    hpa = hpaform.build(good(), "uid-1")
    hpa["spec"]["metrics"] = [{"type": "External", "external": {}}]
    with pytest.raises(hpaform.FormError, match="Only CPU and memory"):
        hpaform.read(hpa)
    with pytest.raises(hpaform.FormError, match="HorizontalPodAutoscaler with a spec"):
        hpaform.read("just text")
