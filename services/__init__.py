"""Flowmeter: an event-sourced Metrics Server for Kubernetes.

One sub-package per service; `services.events` is the only contract between them.
"""

__version__ = "0.1.0"
