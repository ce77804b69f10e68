"""`python -m services.console`: load config, set up logging, run."""

from services.console import service
from services.console.config import Config
from services.lib import config, lifecycle, logs


def main() -> None:
    settings = config.load_or_exit(Config, "CONSOLE_")
    logger = logs.setup("console", settings.log_level)
    lifecycle.main("console", service.run(settings, logger))


if __name__ == "__main__":
    main()
