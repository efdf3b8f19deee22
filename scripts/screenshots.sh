#!/usr/bin/env bash
# Every screen at 1366x768 and 1920x1080, light and dim, into docs/screenshots (needs xvfb; openbox if present).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/screenshots}"
xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb .venv/bin/python scripts/screenshots.py "$out" --check
xvfb-run -a -s "-screen 0 1920x1080x24" env QT_QPA_PLATFORM=xcb .venv/bin/python scripts/screenshots.py "$out" \
  --suffix=-1920 --check
