"""scraper: scrapes its share of the kubelets' `/metrics/resource` each resolution and publishes one event per node.

Subjects out: `flowmeter.samples.<partition>.<node>` (stream SAMPLES): `NodeSampled`, or `NodeScrapeFailed` when a
scrape fails. Replicas share the nodes by rendezvous hashing over the live members of KV `flowmeter-scrapers`.
Reads: Nodes from the Kubernetes API (list + watch). Environment prefix: `SCRAPER_`.
"""
