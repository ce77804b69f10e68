"""`python -m services.api`: load config, set up logging, run."""

from services.api import service
from services.api.config import Config
from services.lib import config, lifecycle, logs


def main() -> None:
    settings = config.load_or_exit(Config, "API_")
    logger = logs.setup("api", settings.log_level)
    lifecycle.main("api", service.run(settings, logger))


if __name__ == "__main__":
    main()
