"""`python -m services.api`: load config, set up logging, run."""

import asyncio

from services.api import service
from services.api.config import Config
from services.lib import config, logs


def main() -> None:
    settings = config.load_or_exit(Config, "API_")
    logger = logs.setup("api", settings.log_level)
    asyncio.run(service.run(settings, logger))


if __name__ == "__main__":
    main()
