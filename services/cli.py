"""The `flowmeter` command: `flowmeter explain FILE`. Each subcommand imports only what it needs, so it starts fast."""

import sys
from collections.abc import Sequence

USAGE = "usage: flowmeter explain FILE|-"


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to a subcommand."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "explain":
        from services.autoscaler import explain  # noqa: PLC0415 - lazy: only the calculation code is loaded

        return explain.main(args[1:])
    print(USAGE, file=sys.stderr)
    return 0 if args[:1] in (["-h"], ["--help"]) else 2


if __name__ == "__main__":
    sys.exit(main())
