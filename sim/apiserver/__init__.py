"""The simulated Kubernetes control plane: `python -m sim.apiserver --run-dir DIR`.

An HTTPS server that real kubectl and client-go-like clients use as if it were kube-apiserver. A request goes
`app` (`requestinfo` says what is asked; `auth` authenticates it with `authn` -- a client certificate of the cluster
CA, which `tlspeer` passes on, or a token of the static token file -- applies `impersonation` and authorizes it with
`rbac` over the stored Roles and bindings; `reviews` answers TokenReviews and SubjectAccessReviews from the same)
-> `handlers` (get, list, watch) or `writes`
(create, update, patch, delete, deletecollection; JSON or `protobuf` bodies, JSON answers) -> `registry`
(semantics, via `strategy`, `hpa` and `patch`; `versions` serves autoscaling/v1 HPAs over the stored v2 ones with
`hpaconvert`) -> `store` (objects, resourceVersions, indexes), whose listeners are `watch` (history ring, filtered
fan-out) and `controller` (with `reconcile` and `placement`: Deployments, ReplicaSets, StatefulSets, scheduling,
garbage collection; and `kubelet`: pod start-up, restarts, exits, graceful termination, node readiness, as
`lifecycle` and `podstatus` compute them).
Requests under `/apis/metrics.k8s.io/` go to `proxy` instead (the aggregation layer), authenticated but authorized by
the metrics API server itself. `server` wires it all, `seed` turns `sim.scenario` into stored objects at start and
`bootstrap` adds the RBAC `policy` and the `kube-system/extension-apiserver-authentication` ConfigMap.

Pure modules: config, resources, requestinfo, errors, negotiate, listing, patch, strategy, objects, podspec,
podstatus, lifecycle, nodestatus, workloads, placement, printers, podtable, tables, discovery, openapi, seed,
protobuf, protoschema, versions, hpa, hpavalidation, hpametrics, hpaconvert, hpatable, authn, rbac, impersonation,
reviews, policy, bootstrap, rbactable. Objects are JSON-shaped dicts
that are never mutated once stored: every write builds a new dict, so unchanged parts are shared between versions and
between the pods of one workload, which is what keeps 350,000 pods in memory affordable.

Flags: --run-dir (required), --bind-address, --port (0 = any free one), --nodes, --pods-per-node, --kubelet-subnet,
--kubelet-port, --metrics-api-url, --pod-startup-seconds, --log-level. Once listening it writes every kubeconfig
(`sim.pki.write_kubeconfigs`), DIR/admin.kubeconfig last, and prints `apiserver listening on https://HOST:PORT` to
stderr.
"""
