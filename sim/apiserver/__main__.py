"""`python -m sim.apiserver --run-dir DIR [...]`: parse flags, set up logging, run until SIGTERM/SIGINT."""

import sys

from services.lib import lifecycle, logs
from sim.apiserver import config, server


def run() -> None:
    """Entry point."""
    try:
        settings = config.parse(sys.argv[1:])
    except config.ConfigError as error:
        sys.exit(f"sim.apiserver: {error}")
    logger = logs.setup("apiserver", settings.log_level)
    lifecycle.main("sim.apiserver", server.main(settings, logger))


if __name__ == "__main__":
    run()
