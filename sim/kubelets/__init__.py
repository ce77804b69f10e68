"""Every simulated node's kubelet in one process: `GET /metrics/resource` over TLS on each node's own address.

Watches Nodes, Pods, ReplicaSets, Deployments and StatefulSets on the (simulated) control plane like a kubelet does,
models each running container's (and native sidecar's) CPU counter and working set from the `sim.flowmeter.dev/cpu`
and `sim.flowmeter.dev/memory` annotations (pod first, then its owners), and serves the kubelet's exact Prometheus
text (reference 2.3). A new startedAt or restartCount in a pod's status starts that container's counter again from
0; pods that stop running (Succeeded, Failed, deleted) leave the body. Counters outlive this process, as a real node's
cgroups outlive its kubelet: every `--checkpoint-interval` (5 s) each node's and container's counter is saved to
`<run-dir>/kubelets/counters.msgpack`, and a restarted process (kill -9 included) carries on those of the nodes and of
the containers still in the same run (`checkpoint`); a checkpoint it cannot use is ignored with a warning. A node
annotation `sim.flowmeter.dev/fault` injects failures (see `faults`), certificate faults included; the node's Ready
condition does not matter here: a NotReady node is still served. Every request is authenticated and authorized as
by a kubelet in webhook mode (`authz`, `webhook`): a client certificate of the cluster CA or a bearer token checked by
TokenReview, then a SubjectAccessReview for `get` on `nodes/metrics` of that node; 401 or 403 in the kubelet's words
otherwise. The process talks to the control plane as `flowmeter-sim-kubelets`
(`<run-dir>/kubeconfigs/kubelets.kubeconfig`).

Pure modules: `gofloat` (Go float text), `noise`, `usage` (one counter), `targets` (annotations), `faults`, `node`
(one node's model), `checkpoint` (counters saved and restored), `body` (rendering), `cluster` (informer changes ->
node models), `authz` (kubelet auth rules).
I/O: `httpserver` (lean HTTP/1.1), `listeners` (one TLS server per node), `webhook` (TokenReview and
SubjectAccessReview with caches), `service` (wiring, readiness), `config`, `__main__`; `bench` measures render and
serving cost (without authentication).

Run: `python -m sim.kubelets --run-dir DIR` (env prefix `SIM_KUBELETS_`). Once every informer has listed and every
reachable node listens it logs `kubelets serving N nodes` to stderr and writes `DIR/kubelets.ready`
(`{"nodes": N, "pid": P}`), removed on exit.
"""
