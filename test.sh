#!/usr/bin/env bash
# Set up (first time only) and run the whole test suite headless (Qt offscreen).
# Arguments go to pytest, e.g. `bash test.sh -k store`.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/bootstrap.sh test
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
