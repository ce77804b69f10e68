"""Helpers without service logic: Kubernetes quantities, durations and objects, NATS setup, config, logging, TLS."""
