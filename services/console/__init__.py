"""console: the HPA workbench in a browser — nodes, workloads, usage and replica charts, the HPA wizard with a what-if
preview, and the decision journal ("why did it scale?").

Pure core: `history` (bounded usage time series from rates), `journal` (decisions in plain words), `hpaform` (the
wizard's validation and the HPA object it builds), `whatif` (a replay through the autoscaler's own reconcile),
`views` (page data). I/O: `kubeclient` (the user's own Kubernetes identity), `app` (routes), `service` (wiring).
Subjects in: `flowmeter.rates.>` (RATES), `flowmeter.decisions.>` (DECISIONS). Subjects out: none.
Environment prefix: `CONSOLE_`.
"""
