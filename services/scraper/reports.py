"""What the scraper tells the operator about each node: failures and anomalies are counted on every scrape and logged
only when they change, so a node failing for an hour, or a thousand of them, log once each and not every cycle."""

import logging

from services import events
from services.scraper import anomalies
from services.scraper.telemetry import Telemetry


class NodeReports:
    """The ongoing failure reason and anomalies of each node this replica scraped, to log their changes only."""

    def __init__(self, telemetry: Telemetry, logger: logging.Logger) -> None:
        self.telemetry, self.logger = telemetry, logger
        self._failing: dict[str, str] = {}  # node -> reason of its ongoing failure
        self._noticed: dict[str, frozenset[str]] = {}  # node -> logged anomalies of its last accepted body

    def scraped(self, event: events.SampleEvent, noticed: frozenset[str]) -> None:
        """Count and, on a change, log one scrape's outcome."""
        self._log_failure(event)
        if isinstance(event, events.NodeScrapeFailed):
            self.telemetry.failures.labels(event.reason).inc()
        else:
            for reason in noticed:
                self.telemetry.anomalies.labels(reason).inc()
            self._log_anomalies(event, noticed - anomalies.QUIET)

    def _log_failure(self, event: events.SampleEvent) -> None:
        """A node's failure when it starts or changes reason, and its recovery once."""
        previous = self._failing.get(event.node)
        if isinstance(event, events.NodeScrapeFailed):
            if previous != event.reason:
                self.logger.warning("failed to scrape node=%s reason=%s: %s", event.node, event.reason, event.message)
            self._failing[event.node] = event.reason
        elif previous is not None:
            self.logger.info("scraping node=%s again after reason=%s", event.node, previous)
            del self._failing[event.node]

    def _log_anomalies(self, event: events.NodeSampled, noticed: frozenset[str]) -> None:
        """A node's anomalies when their set changes, and their end once."""
        before = self._noticed.pop(event.node, frozenset())
        if noticed:
            self._noticed[event.node] = noticed
        if noticed and noticed != before:
            offset = (events.sample_time_ns(event) - event.scraped_at_ns) / 1e9
            clock = f" (kubelet clock {offset:+.0f}s from ours)" if any(r.startswith("Clock") for r in noticed) else ""
            self.logger.warning("node=%s body used despite %s%s", event.node, ",".join(sorted(noticed)), clock)
        elif before and not noticed:
            self.logger.info("node=%s body without anomalies again after %s", event.node, ",".join(sorted(before)))
