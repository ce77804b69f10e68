"""`python -m sim.kubelets --run-dir DIR`: every simulated node's kubelet in one process."""

import asyncio
import os
import sys

from services.lib import config as configuration
from services.lib import logs
from sim.kubelets import config, service


def run() -> int:
    """Load the config, set up logging, serve until stopped."""
    try:
        settings = config.load(os.environ, sys.argv[1:])
    except configuration.ConfigError as error:
        print(f"sim.kubelets: {error}", file=sys.stderr)
        return 2
    logger = logs.setup("kubelets", settings.log_level)
    asyncio.run(service.main(settings, logger))
    return 0


if __name__ == "__main__":
    sys.exit(run())
