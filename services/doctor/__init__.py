"""`flowmeter doctor`: read-only pre-flight checks of a cluster (and a NATS) before Flowmeter is installed on it.

It reads a few objects through any kubeconfig, opens one TLS handshake to one kubelet and one connection to NATS;
it writes nothing anywhere. Each check ends in a finding (ok, warn or fail) with a plain remedy; any fail makes the
exit code 1. `findings` and `rules` are pure; `probes` does the I/O; `command` parses flags and prints.
"""
