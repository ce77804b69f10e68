"""`python -m services.api`: load config, set up logging, run."""

import asyncio
import os
import sys

from services.api import service
from services.api.config import Config
from services.lib import config as configuration
from services.lib import logs


def main() -> None:
    try:
        config = configuration.load(Config, os.environ, sys.argv[1:], "API_")
    except configuration.ConfigError as error:
        sys.exit(f"api: {error}")
    logger = logs.setup("api", config.log_level)
    asyncio.run(service.run(config, logger))


if __name__ == "__main__":
    main()
