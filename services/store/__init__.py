"""store: folds each node's kubelet samples into CPU rates and working sets, and publishes them.

Subjects in: `flowmeter.samples.<partition>.*` (stream SAMPLES) for the partitions this replica takes among the live
store replicas (KV `flowmeter-stores`), replayed from the start of what the stream retains, then live.
Subjects out: `flowmeter.rates.<node>` (stream RATES): one complete `NodeRatesComputed` per node per sample.
Environment prefix: `STORE_`.
"""
