"""`python -m services.autoscaler`: load config, set up logging, run."""

from services.autoscaler import service
from services.autoscaler.config import Config
from services.lib import config, lifecycle, logs


def main() -> None:
    settings = config.load_or_exit(Config, "AUTOSCALER_")
    logger = logs.setup("autoscaler", settings.log_level)
    lifecycle.main("autoscaler", service.run(settings, logger))


if __name__ == "__main__":
    main()
