"""What a scrape noticed in a body it accepted: the data is used, but an operator wants to know.

Reasons, each a label of `flowmeter_scrape_anomalies_total`: `DuplicateSeries` (a series appeared twice; its last
value counts, as upstream), `IncompleteNode` (the node's CPU or memory was zero or missing, so the node is not
served: the cgroup v2 and CRI bugs of reference 7.3 #6), `IncompletePods` (pods dropped for a container without CPU or
memory), `ClockAhead` and `ClockBehind` (the kubelet's newest sample is more than one resolution ahead of the
scraper's clock, or more than three behind it: a sample is naturally up to a housekeeping interval old, and the store
takes no window longer than three resolutions). Timestamps are served as the kubelet wrote them, as upstream does.
"""

from services.scraper import parse

DUPLICATE_SERIES = "DuplicateSeries"
INCOMPLETE_NODE = "IncompleteNode"
INCOMPLETE_PODS = "IncompletePods"
CLOCK_AHEAD = "ClockAhead"
CLOCK_BEHIND = "ClockBehind"
BEHIND_RESOLUTIONS = 3
# Counted, not logged: a container reports its start time before its first CPU sample, so every pod start would log.
QUIET = frozenset({INCOMPLETE_PODS})


def notice(decoded: parse.Decoded, sample_time_ns: int, sent_ns: int, resolution_ns: int) -> frozenset[str]:
    """The anomalies of one decoded body whose newest sample is at `sample_time_ns`, scraped at `sent_ns`."""
    found = set()
    if decoded.duplicate_series:
        found.add(DUPLICATE_SERIES)
    if decoded.incomplete_node:
        found.add(INCOMPLETE_NODE)
    if decoded.incomplete_pods:
        found.add(INCOMPLETE_PODS)
    if sample_time_ns - sent_ns > resolution_ns:
        found.add(CLOCK_AHEAD)
    elif sent_ns - sample_time_ns > BEHIND_RESOLUTIONS * resolution_ns:
        found.add(CLOCK_BEHIND)
    return frozenset(found)
