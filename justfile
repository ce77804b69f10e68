# Flowmeter's recipes. `./just <recipe>` bootstraps .venv first; `./just` alone lists them.

export PATH := justfile_directory() + "/.venv/bin:" + env_var("PATH")

# List the recipes.
default:
    @just --list --unsorted

# Run everything on this machine (nats-server, simulated cluster, services) until Ctrl-C.
up:
    exec python -m embedded

# Run every test: unit, integration, then end-to-end with the real kubectl.
test: check
    pytest

# Unit tests only (pure logic, no I/O).
unit:
    pytest tests/unit

# End-to-end tests only.
e2e:
    pytest -m e2e

# Fuzz the kubelet and selector parsers with many more generated inputs than `./just test` runs (default 100,000).
fuzz examples="100000":
    FLOWMETER_FUZZ_EXAMPLES={{examples}} pytest -q -p no:cacheprovider tests/unit/test_parser_fuzz.py tests/unit/test_selector_fuzz.py

# Static checks: formatting, lint, types, import contracts.
check:
    ruff format --check services sim embedded bench tests
    ruff check services sim embedded bench tests
    mypy
    lint-imports

# Reformat and autofix.
fix:
    ruff format services sim embedded bench tests
    ruff check --fix services sim embedded bench tests

# Run one service by name, e.g. `./just run scraper --help`.
run name *args:
    python -m services.{{name}} {{args}}

# Re-resolve requirements.lock and the image's runtime-only lock from pyproject.toml (needs network access to PyPI).
lock:
    uv pip compile pyproject.toml --group dev --generate-hashes --universal --python-version 3.11 -o requirements.lock
    uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 -o deploy/image/requirements.lock

# Build the container image (one for every service) with docker: `./just image [TAG]`.
image tag="ghcr.io/flowmeter/flowmeter:0.1.0":
    #!/usr/bin/env bash
    set -euo pipefail
    if ! command -v docker >/dev/null 2>&1; then
      echo "./just image: docker is not installed; build the Dockerfile with any OCI builder (podman, buildah, kaniko)" >&2
      exit 1
    fi
    docker build --tag {{tag}} .

# Regenerate docs/flags.md from each service's --help (a test fails when they disagree).
flags:
    #!/usr/bin/env bash
    set -euo pipefail
    {
      echo "# Flags"
      echo
      echo "Every flag of every service, as \`--help\` prints it. Each is also an environment variable with the"
      echo "service's prefix (\`SCRAPER_\`, \`STORE_\`, \`API_\`, \`AUTOSCALER_\`, \`CONSOLE_\`). Regenerate with \`./just flags\`."
      for service in scraper store api autoscaler console; do
        echo
        echo "## $service"
        echo
        echo '```text'
        COLUMNS=120 python -m services.$service --help
        echo '```'
      done
    } > docs/flags.md

# Read-only pre-flight checks of a real cluster: `./just doctor --context NAME [--nats-url URL ...]`.
doctor *args:
    flowmeter doctor {{args}}

# One HPA reconcile offline, explained: `./just explain FILE` (a JSON document; - for stdin).
explain file:
    flowmeter explain {{file}}

# The whole system on a simulated cluster, measured: `./just bench --nodes 5000 --pods-per-node 70 [--json FILE]`.
bench *args:
    python -m bench.system {{args}}

# The api under open-loop HPA and `kubectl top` queries while it ingests: `./just bench-api --rates 100,200,300`.
bench-api *args:
    python -m bench.load {{args}}

# Soak the whole stack and fail on a leak (RSS, file descriptors, stream backlog): `./just soak [MINUTES] [NODES]`.
soak minutes="10" nodes="500" *args:
    python -m bench.soak {{minutes}} {{nodes}} {{args}}

# Time from a usage change at the kubelets to the autoscaler's /scale write (minutes): `./just bench-reaction 10`.
bench-reaction changes="10":
    python -m bench.reaction {{changes}}

# Console page load (overview, workloads) in Chromium on a large simulated cluster: `./just bench-console 5000`.
bench-console nodes="5000":
    python -m bench.console {{nodes}}
