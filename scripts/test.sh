#!/usr/bin/env bash
# Set up (first time only) and run every check: lint, then the whole test suite, browser tests included,
# in two stages that must both pass (docs/testing.md): the suite without the long benchmark-like tests,
# then those (soak, load, a class, the lesson's claims, every benchmark's quick mode). The first runs its
# test files in two worker processes (pytest-xdist): a browser test mostly waits on a server and a browser,
# so two overlap on two cores; the second runs alone, as its load tests measure the machine. Arguments go
# to both pytest runs (a stage that selects no test passes).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
. .venv/bin/activate
ruff check .
ruff format --check .

stage() {
    local name=$1 began=$SECONDS status=0
    shift
    python -m pytest -q --durations=30 "$@" || status=$?
    echo "stage '$name': $((SECONDS - began)) s, pytest exit status $status"
    [ "$status" -eq 0 ] || [ "$status" -eq 5 ]  # 5: no test selected by the arguments
}
stage main -n 2 --dist loadfile -m "not slow" "$@"
stage slow -m slow "$@"
