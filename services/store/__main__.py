"""`python -m services.store`: load config, set up logging, run."""

from services.lib import config, lifecycle, logs
from services.store import service
from services.store.config import Config


def main() -> None:
    settings = config.load_or_exit(Config, "STORE_")
    logger = logs.setup("store", settings.log_level)
    lifecycle.main("store", service.run(settings, logger))


if __name__ == "__main__":
    main()
