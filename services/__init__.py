"""Flowmeter: an event-sourced Metrics Server for Kubernetes.

One sub-package per service; `services.events` is the only contract between them.
"""
