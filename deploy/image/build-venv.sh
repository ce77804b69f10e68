#!/bin/sh
# Build Flowmeter's wheel from the source tree SOURCE and install it into a new virtual environment VENV, with its
# dependencies pinned by hash in deploy/image/requirements.lock. Needs uv and a Python 3.11+ ($PYTHON, or python3).
# The Dockerfile's build stage runs exactly this; so does tests/integration/test_image.py.
set -eu
if [ "$#" -ne 2 ]; then
  echo "usage: $0 SOURCE VENV" >&2
  exit 2
fi
source_dir=$1
venv=$2
wheels=$(mktemp -d)
trap 'rm -rf "$wheels"' EXIT
uv build --quiet --out-dir "$wheels" "$source_dir"  # the wheel is built from the sdist, in a scratch directory
uv venv --quiet --python "${PYTHON:-python3}" "$venv"
uv pip install --quiet --python "$venv/bin/python" --require-hashes -r "$source_dir/deploy/image/requirements.lock"
uv pip install --quiet --python "$venv/bin/python" --no-deps "$wheels"/flowmeter-*.whl
