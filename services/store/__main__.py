"""`python -m services.store`: load config, set up logging, run."""

import asyncio
import os
import sys

from services.lib import config as configuration
from services.lib import logs
from services.store import service
from services.store.config import Config


def main() -> None:
    try:
        config = configuration.load(Config, os.environ, sys.argv[1:], "STORE_")
    except configuration.ConfigError as error:
        sys.exit(f"store: {error}")
    logger = logs.setup("store", config.log_level)
    asyncio.run(service.run(config, logger))


if __name__ == "__main__":
    main()
