#!/usr/bin/env bash
# Set up (first time only) and start cathlog on the default database in your user data folder.
# Arguments go to cathlog, e.g. `bash run.sh --db /path/to/other.db`.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/bootstrap.sh run
exec .venv/bin/python main.py "$@"
