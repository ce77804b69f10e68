"""The real kubectl against `python -m sim.apiserver`: what users type, answered as kube-apiserver answers it."""

import json
import re

from tests.integration.sim.conftest import Cluster, rows


async def test_nodes_wide_show_status_version_and_loopback_addresses(cluster: Cluster) -> None:
    table = rows(await cluster.kubectl("get", "nodes", "-o", "wide"))

    assert table[0] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE",
                        "KERNEL-VERSION", "CONTAINER-RUNTIME"]  # fmt: skip
    assert [row[:3] + row[4:7] for row in table[1:]] == [
        [f"node-000{i}", "Ready", "<none>", "v1.37.0-sim", f"{cluster.subnet}.1.{i}", "<none>"] for i in (1, 2, 3)
    ]


async def test_pods_of_all_namespaces_are_running_and_spread_evenly(cluster: Cluster) -> None:
    table = rows(await cluster.kubectl("get", "pods", "-A", "-o", "wide"))

    assert table[0][:6] == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert len(table) == 31 and {row[3] for row in table[1:]} == {"Running"}
    assert sorted(row[7] for row in table[1:]) == sorted(f"node-000{i}" for i in (1, 2, 3) for _ in range(10))
    assert {row[0] for row in table[1:]} == {"default", "kube-system", "shop", "monitoring"}


async def test_deployments_and_statefulsets_of_all_namespaces(cluster: Cluster) -> None:
    output = await cluster.kubectl("get", "deploy,sts", "-A")

    assert "deployment.apps/web" in output and "statefulset.apps/cart" in output
    assert re.search(r"kube-system\s+deployment.apps/coredns\s+4/4\s+4\s+4\s+3d", output)
    assert re.search(r"shop\s+statefulset.apps/cart\s+3/3\s+3d", output)


async def test_annotate_overwrites_the_usage_annotation_kubelets_read(cluster: Cluster) -> None:
    out = await cluster.kubectl("annotate", "deployment", "web", "sim.flowmeter.dev/cpu=500m", "--overwrite")
    annotations = await cluster.kubectl("get", "deploy", "web", "-o", "jsonpath={.metadata.annotations}")

    assert out.strip() == "deployment.apps/web annotated"
    assert json.loads(annotations)["sim.flowmeter.dev/cpu"] == "500m"


async def test_labels_select_pods_with_the_full_grammar(cluster: Cluster) -> None:
    await cluster.kubectl("label", "pod", "-n", "shop", "cart-1", "tier=db")

    labelled = await cluster.kubectl("get", "pods", "-A", "-l", "tier=db", "-o", "name")
    by_set = await cluster.kubectl("get", "pods", "-n", "shop", "-l", "app in (cart),tier!=db", "-o", "name")

    assert labelled.split() == ["pod/cart-1"]
    assert by_set.split() == ["pod/cart-0", "pod/cart-2"]


async def test_field_selectors_filter_on_phase_and_node_and_refuse_unknown_fields(cluster: Cluster) -> None:
    running = await cluster.kubectl("get", "pods", "-A", "--field-selector", "status.phase=Running", "-o", "name")
    on_node = await cluster.kubectl("get", "pods", "-A", "--field-selector", "spec.nodeName=node-0002", "-o", "name")
    code, _, err = await cluster.run("get", "pods", "--field-selector", "spec.color=blue")

    assert len(running.split()) == 30 and len(on_node.split()) == 10
    assert code != 0 and "(BadRequest)" in err and "field label not supported: spec.color" in err


async def test_a_raw_watch_from_a_resource_version_streams_the_changes_after_it(cluster: Cluster) -> None:
    listed = json.loads(await cluster.kubectl("get", "--raw", "/api/v1/namespaces/monitoring/pods"))
    version = listed["metadata"]["resourceVersion"]
    path = f"/api/v1/namespaces/monitoring/pods?watch=true&resourceVersion={version}&timeoutSeconds=1"

    await cluster.kubectl("annotate", "pod", "-n", "monitoring", "prometheus-0", "checked=yes")
    events = [json.loads(line) for line in (await cluster.kubectl("get", "--raw", path)).splitlines()]

    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("MODIFIED", "prometheus-0")]
    assert events[0]["object"]["metadata"]["annotations"] == {"checked": "yes"}


async def test_a_raw_watch_from_a_forgotten_version_gets_410_expired(cluster: Cluster) -> None:
    event = json.loads(await cluster.kubectl("get", "--raw", "/api/v1/pods?watch=1&resourceVersion=1"))

    assert event["type"] == "ERROR" and (event["object"]["code"], event["object"]["reason"]) == (410, "Expired")


async def test_describe_pod_shows_owner_containers_and_conditions(cluster: Cluster) -> None:
    output = await cluster.kubectl("describe", "pod", "-n", "shop", "cart-0")

    assert re.search(r"Node:\s+node-000\d/" + re.escape(cluster.subnet), output)
    assert re.search(r"Controlled By:\s+StatefulSet/cart", output)
    assert re.search(r"redis-exporter:\s+Container ID:\s+containerd://", output)
    assert re.search(r"Ready\s+True", output) and re.search(r"Events:\s+<none>", output)


async def test_yaml_output_and_not_found(cluster: Cluster) -> None:
    output = await cluster.kubectl("get", "pod", "-n", "kube-system", "-l", "app=coredns", "-o", "yaml")
    code, _, err = await cluster.run("get", "deployment", "nope")

    assert "kind: List" in output and "qosClass: Burstable" in output
    assert code != 0 and 'Error from server (NotFound): deployments.apps "nope" not found' in err


async def test_scaling_a_deployment_starts_pods_that_become_ready(cluster: Cluster) -> None:
    await cluster.kubectl("scale", "deployment", "-n", "shop", "checkout", "--replicas=6")
    await cluster.kubectl("rollout", "status", "deployment", "-n", "shop", "checkout", "--timeout=20s")

    table = rows(await cluster.kubectl("get", "pods", "-n", "shop", "-l", "app=checkout"))
    assert len(table) == 7 and {(row[1], row[2]) for row in table[1:]} == {("1/1", "Running")}


async def test_apply_creates_and_updates_a_deployment_and_delete_collects_its_pods(cluster: Cluster) -> None:
    manifest = cluster.layout.run_dir / "hello.json"
    hello = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "hello", "namespace": "default"},
             "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "hello"}}, "template": {
                 "metadata": {"labels": {"app": "hello"}},
                 "spec": {"terminationGracePeriodSeconds": 1,
                          "containers": [{"name": "hello", "image": "nginx:1.27"}]}}}}  # fmt: skip
    manifest.write_text(json.dumps(hello))
    assert (await cluster.kubectl("apply", "-f", str(manifest))).strip() == "deployment.apps/hello created"
    hello["spec"]["replicas"] = 3  # type: ignore[index]
    manifest.write_text(json.dumps(hello))
    assert (await cluster.kubectl("apply", "-f", str(manifest))).strip() == "deployment.apps/hello configured"
    await cluster.kubectl("rollout", "status", "deployment", "hello", "--timeout=20s")

    await cluster.kubectl("delete", "-f", str(manifest))
    assert (
        await cluster.eventually(  # garbage collection deletes the pods gracefully: gone after their 1 s
            lambda output: not output.strip(), "get", "pods,rs", "-l", "app=hello", "-o", "name"
        )
        == ""
    )


async def test_kubectl_top_reports_that_no_metrics_api_is_registered(cluster: Cluster) -> None:
    code, _, err = await cluster.run("top", "nodes")

    assert code != 0 and "Metrics API not available" in err


async def test_events_are_created_listed_and_shown_by_describe(cluster: Cluster) -> None:
    pod = json.loads(await cluster.kubectl("get", "pod", "-n", "shop", "cart-2", "-o", "json"))
    event = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "cart-2.1", "namespace": "shop"},
             "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": "cart-2", "namespace": "shop",
                                "uid": pod["metadata"]["uid"]},
             "reason": "Pulled", "message": "Container image already present on machine", "type": "Normal",
             "source": {"component": "kubelet", "host": pod["spec"]["nodeName"]}, "count": 1,
             "firstTimestamp": pod["status"]["startTime"], "lastTimestamp": pod["status"]["startTime"]}  # fmt: skip
    manifest = cluster.layout.run_dir / "event.json"
    manifest.write_text(json.dumps(event))

    await cluster.kubectl("create", "-f", str(manifest))
    listed = rows(await cluster.kubectl("get", "events", "-n", "shop"))
    described = await cluster.kubectl("describe", "pod", "-n", "shop", "cart-2")

    assert listed[0] == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert listed[1][1:] == ["Normal", "Pulled", "pod/cart-2", "Container image already present on machine"]
    assert re.search(r"Normal\s+Pulled\s+\S+\s+kubelet\s+Container image already present on machine", described)
