"""`python -m services.scraper`: load config, set up logging, run."""

from services.lib import config, lifecycle, logs
from services.scraper import service
from services.scraper.config import Config


def main() -> None:
    settings = config.load_or_exit(Config, "SCRAPER_")
    logger = logs.setup("scraper", settings.log_level)
    lifecycle.main("scraper", service.run(settings, logger))


if __name__ == "__main__":
    main()
