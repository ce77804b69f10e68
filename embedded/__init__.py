"""The embedded default: `./just up` runs nats-server, the simulated cluster and every service on this machine.

`python -m embedded` reads FLOWMETER_* settings, starts each process in order, restarts any that dies (like a
kubelet restarts a container), writes `<run dir>/kubeconfig` once metrics are served, and stops everything on
Ctrl-C or SIGTERM.
"""
