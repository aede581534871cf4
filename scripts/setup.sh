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

if [ "$want_browser" = "--browser" ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "Chromium is missing: install it with 'sudo apt-get install chromium chromium-driver' for the browser tests" >&2
  fi
fi
