"""scraper: scrapes every kubelet's `/metrics/resource` each resolution and publishes one event per node.

Subjects out: `flowmeter.samples.<node>` (stream SAMPLES): `NodeSampled`, or `NodeScrapeFailed` when a scrape fails.
Reads: Nodes from the Kubernetes API (list + watch). Environment prefix: `SCRAPER_`.
"""
