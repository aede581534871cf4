#!/usr/bin/env bash
# Set up everything on a fresh machine: a virtual environment with the pinned packages, and
# (for the browser tests) Debian's Chromium. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
want_browser=${1:-}

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
stamp=.venv/.installed-$(cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
  python -m pip install --quiet --upgrade pip
  python -m pip install --quiet -r requirements-dev.txt
  touch "$stamp"
fi
# torchvision's compiled ops must match torch's build: fail here, loudly, if they do not.
python -c "import torch, torchvision, torchvision.ops; print(f'torch {torch.__version__}, torchvision {torchvision.__version__}: import OK')"

# The browser tests need Debian's Chromium, and the replica test (tests/test_replicas.py) its HAProxy.
missing=()
if [ "$want_browser" = "--browser" ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver)
  [ -x /usr/sbin/haproxy ] || command -v haproxy >/dev/null || missing+=(haproxy)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Missing for the browser tests: install them with 'sudo apt-get install ${missing[*]}'" >&2
  fi
fi
