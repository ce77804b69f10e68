"""`flowmeter doctor`'s judgements, object by object: what each observation means and what it tells the operator."""

import json
from typing import Any

import msgspec
import pytest

from services.doctor import findings, hpas, rules
from services.doctor.findings import Finding, Level


def apiservice(service: dict[str, str] | None, labels: dict[str, str] | None = None, **annotations: str) -> Any:
    obj = {"metadata": {"name": "v1beta1.metrics.k8s.io", "labels": labels or {}, "annotations": annotations},
           "spec": {"service": service}}  # fmt: skip
    return msgspec.convert(obj, rules.APIService)


def test_the_aggregation_layer_needs_the_configmap_with_the_front_proxy_ca() -> None:
    assert rules.aggregation(None).level == Level.FAIL
    assert rules.aggregation(rules.ConfigMap(data={"client-ca-file": "..."})).level == Level.FAIL
    ready = rules.aggregation(rules.ConfigMap(data={rules.CA_KEY: "pem", "requestheader-allowed-names": '["front"]'}))
    assert ready.level == Level.OK and '["front"]' in ready.summary


@pytest.mark.parametrize(
    ("found", "level", "words"),
    [
        (None, Level.OK, "not registered"),
        (apiservice({"namespace": "flowmeter", "name": "flowmeter-api"}), Level.OK, "already Flowmeter's"),
        (apiservice(None), Level.FAIL, "kube-apiserver itself"),
        (apiservice({"namespace": "kube-system", "name": "metrics-server"}, {"addonmanager.kubernetes.io/mode":
                                                                          "Reconcile"}), Level.FAIL, "addon manager"),
        (apiservice({"namespace": "monitoring", "name": "ms"}, {"app.kubernetes.io/managed-by": "Helm"},
                    **{"meta.helm.sh/release-name": "metrics"}), Level.FAIL, "managed by Helm"),
        (apiservice({"namespace": "kube-system", "name": "metrics-server"}), Level.WARN, "installed by hand"),
    ],
)  # fmt: skip
def test_an_existing_metrics_apiservice_is_judged_by_who_owns_it(found: Any, level: Level, words: str) -> None:
    result = rules.api_service("v1beta1.metrics.k8s.io", found, "flowmeter")
    assert result.level == level and words in result.summary
    if "Helm" in words:
        assert "helm uninstall metrics -n monitoring" in result.remedy


def test_a_kubelet_certificate_failure_names_the_flag_for_its_cause() -> None:
    mismatch = rules.kubelet_unverified("n1", "10.0.0.1:10250", 64, "IP address mismatch", insecure=False)
    unknown = rules.kubelet_unverified("n1", "10.0.0.1:10250", 20, "unable to get local issuer", insecure=False)
    tolerated = rules.kubelet_unverified("n1", "10.0.0.1:10250", 20, "unable to get local issuer", insecure=True)
    assert mismatch.level == unknown.level == Level.FAIL and tolerated.level == Level.WARN
    assert "--kubelet-preferred-address-types" in mismatch.remedy
    assert "--kubelet-certificate-authority" in unknown.remedy
    assert rules.kubelet_unreachable("n1", "10.0.0.1:10250", "refused").level == Level.WARN
    assert rules.no_kubelet("no nodes").level == Level.WARN


def hpa(*metrics: dict[str, Any], kind: str = "Deployment") -> hpas.HPA:
    return msgspec.convert({"metadata": {"name": "web", "namespace": "shop"},
                            "spec": {"scaleTargetRef": {"kind": kind, "name": "web"}, "metrics": list(metrics)}},
                           hpas.HPA)  # fmt: skip


def workload(**requests: dict[str, str]) -> hpas.Workload:
    containers = [{"name": name, "resources": {"requests": r}} for name, r in requests.items()]
    return msgspec.convert({"spec": {"template": {"spec": {"containers": containers}}}}, hpas.Workload)


def utilization(resource: str, container: str = "") -> dict[str, Any]:
    source = {"name": resource, "target": {"type": "Utilization", "averageUtilization": 60}}
    if container:
        return {"type": "ContainerResource", "containerResource": {**source, "container": container}}
    return {"type": "Resource", "resource": source}


def test_utilization_targets_need_requests_on_every_container_and_average_values_need_none() -> None:
    sidecar_without_cpu = workload(app={"cpu": "100m", "memory": "64Mi"}, proxy={"memory": "16Mi"})
    assert hpas.missing(hpa(), sidecar_without_cpu) == ["cpu in container proxy"]  # no metrics: 80 % CPU
    assert hpas.missing(hpa(utilization("memory")), sidecar_without_cpu) == []
    assert hpas.missing(hpa(utilization("cpu", container="app")), sidecar_without_cpu) == []
    average = {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "AverageValue", "averageValue": "1"}}}
    assert hpas.missing(hpa(average), workload(app={})) == []
    problem = hpas.check(hpa(utilization("cpu")), sidecar_without_cpu)
    assert problem is not None and problem.level == Level.WARN and "HPA shop/web -> Deployment web" in problem.summary
    assert hpas.check(hpa(), None) is not None and hpas.check(hpa(), workload(app={"cpu": "1"})) is None
    assert hpas.summary(0, 0).level == Level.OK and hpas.summary(3, 1).summary.startswith("2 of 3")


def test_findings_print_as_aligned_text_or_json_and_any_failure_sets_the_exit_code() -> None:
    found = [Finding(check="a", level=Level.OK, summary="fine"),
             Finding(check="longer", level=Level.FAIL, summary="broken", remedy="fix it")]  # fmt: skip
    assert findings.as_text(found).splitlines() == [
        "ok    a       fine", "fail  longer  broken", "              -> fix it", "1 failed, 0 warned, 1 ok"]  # fmt: skip
    assert json.loads(findings.as_json(found))["ok"] is False
    assert (findings.exit_code(found), findings.exit_code(found[:1])) == (1, 0)
    assert rules.nats_unchecked().level == Level.WARN and rules.nats_ok("u", 3).level == Level.OK
