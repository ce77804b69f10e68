"""The `flowmeter` command. Each subcommand imports only what it needs, so it starts fast."""

import sys
from collections.abc import Sequence

USAGE = """usage: flowmeter COMMAND
  doctor            read-only checks of a cluster (and NATS) before installing; --help for its flags
  explain FILE|-    one HPA reconcile, offline and explained (a JSON document; - for stdin)
  nats-secrets      print the NATS users and TLS Secrets for deploy/, for `kubectl apply -f -`"""


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to a subcommand."""
    args = list(sys.argv[1:] if argv is None else argv)
    command, rest = (args[0], args[1:]) if args else ("", [])
    if command == "explain":
        from services.autoscaler import explain  # noqa: PLC0415 - lazy: only the calculation code is loaded

        return explain.main(rest)
    if command == "doctor":
        from services.doctor import command as doctor  # noqa: PLC0415 - lazy, as above

        return doctor.main(rest)
    if command == "nats-secrets":
        from services.lib import natssecrets  # noqa: PLC0415 - lazy, as above

        return natssecrets.main(rest)
    print(USAGE, file=sys.stderr)
    return 0 if command in ("-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main())
