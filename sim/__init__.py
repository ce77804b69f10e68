"""The simulated cluster: a Kubernetes control plane and kubelets faithful enough for real kubectl and our services.

Part of the product (like kwok): the local default of `./just up`, the test bed and the load generator.
Processes: `python -m sim.apiserver` (control plane, workload controller, aggregation proxy) and
`python -m sim.kubelets` (every node's kubelet `/metrics/resource`, watching the control plane like a kubelet).
They share a run directory laid out by `sim.pki.Layout`: certificates and the static token file under `pki/`, and
the kubeconfigs of the people (`users.kubeconfig`: admin, viewer, nobody), of each service and of the kubelets
(`kubeconfigs/<name>.kubeconfig`) and of the admin (`admin.kubeconfig`). `sim.identities` says who exists.
"""
