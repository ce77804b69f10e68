"""Logging in one line per record: time, level, service, message with key=value context."""

import logging
import sys


def setup(service: str, level: str) -> logging.Logger:
    """Configure the root logger for a service process and return the service's logger."""
    logging.basicConfig(
        stream=sys.stderr,
        level=level.upper(),
        format=f"%(asctime)s %(levelname).1s {service} %(message)s",
        datefmt="%H:%M:%S",
        force=True,
    )
    return logging.getLogger(service)
