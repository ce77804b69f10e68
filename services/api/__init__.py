"""api: serves `metrics.k8s.io` v1beta1 (NodeMetrics, PodMetrics) over HTTPS, as the aggregated API does.

Subjects in: `flowmeter.rates.>` (stream RATES), last message per node first, then live.
Reads: Nodes and Running Pods (metadata only) from the Kubernetes API, for labels and existence.
Environment prefix: `API_`.
"""
