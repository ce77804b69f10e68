"""autoscaler: the Kubernetes HPA v2 algorithm for CPU and memory, evaluated when fresh rates arrive, explained.

Pure core: `objects` (what it reads), `calculate` (one metric's proposal), `normalize` (stabilization and rate
limits), `reconcile` (one HPA reconcile: proposal, clamps, conditions, status, history, explanation).
Subjects in: `flowmeter.rates.>` (stream RATES). Subjects out: `flowmeter.decisions.<namespace>.<hpa>` (stream
DECISIONS). Environment prefix: `AUTOSCALER_`. `flowmeter explain` runs one reconcile offline with the same code.
"""
