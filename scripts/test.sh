#!/usr/bin/env bash
# Set up (first time only) and run every check: lint, then the whole test suite, browser tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
. .venv/bin/activate
ruff check .
ruff format --check .
python -m pytest -q "$@"
