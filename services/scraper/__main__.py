"""`python -m services.scraper`: load config, set up logging, run."""

import asyncio
import os
import sys

from services.lib import config as configuration
from services.lib import logs
from services.scraper import service
from services.scraper.config import Config


def main() -> None:
    try:
        config = configuration.load(Config, os.environ, sys.argv[1:], "SCRAPER_")
    except configuration.ConfigError as error:
        sys.exit(f"scraper: {error}")
    logger = logs.setup("scraper", config.log_level)
    asyncio.run(service.run(config, logger))


if __name__ == "__main__":
    main()
