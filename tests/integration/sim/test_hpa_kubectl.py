"""An HPA workflow with the real kubectl against `python -m sim.apiserver`, as on a real cluster.

kubectl's generators send protobuf bodies (`create namespace|deployment`, `autoscale` as autoscaling/v1), `scale`
sends a JSON merge patch to `/scale`, `get hpa` asks for a server-side Table, `describe hpa` reads autoscaling/v2
and lists core/v1 Events by involvedObject fields. Each test works in its own namespace.
"""

import json
import re
from pathlib import Path

from tests.integration.sim.conftest import Cluster, rows

HEADER = ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]
BEHAVIOR_HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: {namespace}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
  maxReplicas: 8
  metrics:
  - type: Resource
    resource: {{name: memory, target: {{type: AverageValue, averageValue: 50Mi}}}}
  behavior:
    scaleDown: {{stabilizationWindowSeconds: 120, tolerance: "0.05"}}
"""


async def deployment(cluster: Cluster, namespace: str, replicas: int = 2) -> None:
    """`kubectl create namespace` and `kubectl create deployment`, both protobuf bodies; then wait for the rollout."""
    await cluster.kubectl("create", "namespace", namespace)
    await cluster.kubectl("create", "deployment", "web", "--image=nginx:1.27", f"--replicas={replicas}",
                          "--port=8080", "-n", namespace)  # fmt: skip
    await cluster.kubectl("rollout", "status", "deployment", "web", "-n", namespace, "--timeout=20s")


def write(cluster: Cluster, name: str, content: object) -> Path:
    path = cluster.layout.run_dir / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


async def test_kubectl_create_namespace_and_deployment_run_its_pods(cluster: Cluster) -> None:
    await deployment(cluster, "gen", replicas=3)

    pods = rows(await cluster.kubectl("get", "pods", "-n", "gen"))
    spec = json.loads(await cluster.kubectl("get", "deployment", "web", "-n", "gen", "-o", "json"))["spec"]
    namespaces = await cluster.kubectl("get", "namespace", "gen", "-o", "name")

    assert len(pods) == 4 and {(row[1], row[2]) for row in pods[1:]} == {("1/1", "Running")}
    assert spec["strategy"]["type"] == "RollingUpdate" and spec["selector"] == {"matchLabels": {"app": "web"}}
    assert spec["template"]["spec"]["containers"][0]["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
    assert namespaces.strip() == "namespace/gen"


async def test_kubectl_autoscale_makes_an_hpa_with_unknown_cpu_until_status_has_it(cluster: Cluster) -> None:
    await deployment(cluster, "auto")

    created = await cluster.kubectl("autoscale", "deployment", "web", "--cpu-percent=50", "--min=1", "--max=10",
                                    "-n", "auto")  # fmt: skip
    table = rows(await cluster.kubectl("get", "hpa", "-n", "auto"))

    assert created.strip() == "horizontalpodautoscaler.autoscaling/web autoscaled"
    assert table[0] == HEADER
    assert table[1][:6] == ["web", "Deployment/web", "cpu: <unknown>/50%", "1", "10", "0"]


async def test_a_status_put_with_current_metrics_fills_targets_and_replicas(cluster: Cluster) -> None:
    await deployment(cluster, "status")
    await cluster.kubectl("autoscale", "deployment", "web", "--cpu-percent=50", "--max=10", "-n", "status")
    hpa = json.loads(await cluster.kubectl("get", "hpa.v2.autoscaling", "web", "-n", "status", "-o", "json"))
    hpa["status"] = {"currentReplicas": 2, "desiredReplicas": 2, "currentMetrics": [
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 45, "averageValue": "90m"}}}]}  # fmt: skip

    await cluster.kubectl("replace", "--subresource=status", "-f", str(write(cluster, "status.json", hpa)))
    table = rows(await cluster.kubectl("get", "hpa", "-n", "status"))
    v1 = json.loads(
        await cluster.kubectl("get", "--raw", "/apis/autoscaling/v1/namespaces/status/horizontalpodautoscalers/web")
    )

    assert table[1][2:6] == ["cpu: 45%/50%", "1", "10", "2"]
    assert v1["status"]["currentCPUUtilizationPercentage"] == 45 and v1["spec"]["targetCPUUtilizationPercentage"] == 50


async def test_apply_with_behavior_then_yaml_shows_the_defaults_and_edit_patches(cluster: Cluster) -> None:
    await deployment(cluster, "apply")
    manifest = write(cluster, "hpa.yaml", BEHAVIOR_HPA.format(namespace="apply"))

    assert (
        await cluster.kubectl("apply", "-f", str(manifest))
    ).strip() == "horizontalpodautoscaler.autoscaling/web created"
    spec = json.loads(await cluster.kubectl("get", "hpa", "web", "-n", "apply", "-o", "json"))["spec"]
    yaml = await cluster.kubectl("get", "hpa", "web", "-n", "apply", "-o", "yaml")
    await cluster.kubectl("patch", "hpa", "web", "-n", "apply", "-p", '{"spec":{"maxReplicas":9}}')
    table = rows(await cluster.kubectl("get", "hpa", "-n", "apply"))

    assert spec["minReplicas"] == 1 and spec["behavior"] == {
        "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
            {"type": "Pods", "value": 4, "periodSeconds": 15}, {"type": "Percent", "value": 100, "periodSeconds": 15}]},
        "scaleDown": {"selectPolicy": "Max", "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
                      "stabilizationWindowSeconds": 120, "tolerance": "0.05"}}  # fmt: skip
    assert "currentMetrics: null" in yaml and "desiredReplicas: 0" in yaml
    assert table[1][2:5] == ["memory: <unknown>/50Mi", "1", "9"]


async def test_an_event_posted_for_the_hpa_shows_in_describe(cluster: Cluster) -> None:
    await deployment(cluster, "events")
    await cluster.kubectl("autoscale", "deployment", "web", "--cpu-percent=50", "--max=10", "-n", "events")
    uid = await cluster.kubectl("get", "hpa", "web", "-n", "events", "-o", "jsonpath={.metadata.uid}")
    event = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "web.rescale", "namespace": "events"},
             "involvedObject": {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "name": "web",
                                "namespace": "events", "uid": uid},
             "reason": "SuccessfulRescale", "type": "Normal", "source": {"component": "horizontal-pod-autoscaler"},
             "message": "New size: 4; reason: cpu resource utilization (percentage of request) above target",
             "count": 1, "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:00Z"}  # fmt: skip

    await cluster.kubectl("create", "-f", str(write(cluster, "event.json", event)))
    described = await cluster.kubectl("describe", "hpa", "web", "-n", "events")
    listed = rows(
        await cluster.kubectl("get", "events", "-n", "events", "--field-selector", "reason=SuccessfulRescale")
    )

    assert re.search(r"Reference:\s+Deployment/web", described)
    assert re.search(r"Normal\s+SuccessfulRescale\s+\S+\s+horizontal-pod-autoscaler\s+New size: 4; reason: cpu "
                     r"resource utilization \(percentage of request\) above target", described)  # fmt: skip
    assert listed[1][1:4] == ["Normal", "SuccessfulRescale", "horizontalpodautoscaler/web"]


async def test_kubectl_scale_and_a_raw_scale_put_change_the_pods_and_watches_see_it(cluster: Cluster) -> None:
    await deployment(cluster, "scale")
    version = json.loads(await cluster.kubectl("get", "--raw", "/apis/apps/v1/namespaces/scale/deployments"))
    scale_path = "/apis/apps/v1/namespaces/scale/deployments/web/scale"

    await cluster.kubectl("scale", "deployment", "web", "--replicas=4", "-n", "scale")
    await cluster.kubectl("rollout", "status", "deployment", "web", "-n", "scale", "--timeout=20s")
    scale = json.loads(await cluster.kubectl("get", "--raw", scale_path))
    scale["spec"]["replicas"] = 1
    await cluster.kubectl("replace", "--raw", scale_path, "-f", str(write(cluster, "scale.json", scale)))
    watch = (f"/apis/apps/v1/namespaces/scale/deployments?watch=1&timeoutSeconds=1"
             f"&resourceVersion={version['metadata']['resourceVersion']}")  # fmt: skip
    events = [json.loads(line) for line in (await cluster.kubectl("get", "--raw", watch)).splitlines()]

    assert scale["status"] == {"replicas": 4, "selector": "app=web"}
    replicas = [event["object"]["spec"]["replicas"] for event in events if event["type"] == "MODIFIED"]
    assert 4 in replicas and replicas[-1] == 1
    # the removed pods stay Terminating for their grace period; the Deployment counts the others at once
    status = await cluster.eventually(lambda out: out == "1/1", "get", "deployment", "web", "-n", "scale", "-o",
                                      "jsonpath={.status.replicas}/{.status.readyReplicas}")  # fmt: skip
    assert status == "1/1"


async def test_invalid_hpas_are_refused_with_kube_apiservers_messages(cluster: Cluster) -> None:
    await deployment(cluster, "invalid")
    bad = BEHAVIOR_HPA.format(namespace="invalid").replace("maxReplicas: 8", "minReplicas: 3\n  maxReplicas: 1")

    code, _, applied = await cluster.run("apply", "-f", str(write(cluster, "bad.yaml", bad)))
    code_zero, _, zero = await cluster.run(
        "autoscale", "deployment", "web", "--max=4", "--cpu-percent=0", "-n", "invalid"
    )
    await cluster.kubectl("apply", "-f", str(write(cluster, "good.yaml", BEHAVIOR_HPA.format(namespace="invalid"))))
    code_patch, _, patched = await cluster.run("patch", "hpa", "web", "-n", "invalid", "-p",
                                               '{"spec":{"behavior":{"scaleUp":{"selectPolicy":"Fastest"}}}}')  # fmt: skip

    assert code == code_zero == code_patch == 1
    assert applied.strip() == ('The HorizontalPodAutoscaler "web" is invalid: spec.maxReplicas: Invalid value: 1: '
                               "must be greater than or equal to `minReplicas`")  # fmt: skip
    assert zero.strip() == ('The HorizontalPodAutoscaler "web" is invalid: spec.metrics[0].resource.target.'
                            "averageUtilization: Invalid value: 0: must be greater than 0")  # fmt: skip
    assert 'spec.behavior.scaleUp.selectPolicy: Unsupported value: "Fastest": supported values: "Disabled", "Max", ' \
           '"Min"' in patched  # fmt: skip


async def test_delete_removes_the_hpa(cluster: Cluster) -> None:
    await deployment(cluster, "delete")
    await cluster.kubectl("autoscale", "deployment", "web", "--max=3", "-n", "delete")

    deleted = await cluster.kubectl("delete", "hpa", "web", "-n", "delete")
    left = await cluster.kubectl("get", "hpa", "-n", "delete", "-o", "name")

    assert deleted.strip() == 'horizontalpodautoscaler.autoscaling "web" deleted' and left == ""
