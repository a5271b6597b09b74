#!/usr/bin/env bash
# Set up everything pressroom needs on a fresh Debian 12 machine (as root), then build the
# default edition into build/. Safe to run again: each step is idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the book faces (EB Garamond, Noto Serif, Noto Serif CJK), PDF tools for checks and tests, Java for
# EPUBCheck, Pango and fontconfig for WeasyPrint's text and font lookup, HarfBuzz subsetting,
# calibre's ebook-meta (the tests read our EPUB's metadata with it, as e-book shops do), and
# chromium, the browser DAISY Ace checks the EPUB's accessibility in.
DEBIAN_PACKAGES=(
  fonts-ebgaramond
  # The faces for Greek, Cyrillic and Vietnamese (Noto Serif) and for Chinese, Japanese and
  # Korean (Noto Serif CJK): the table in src/pressroom/fonts.py names them.
  fonts-noto-core
  fonts-noto-cjk
  fontconfig
  libpango-1.0-0
  libpangoft2-1.0-0
  libharfbuzz-subset0
  poppler-utils
  qpdf
  default-jre-headless
  calibre
  chromium
)
if command -v apt-get >/dev/null 2>&1; then
  missing=()
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  fc-cache -f >/dev/null
else
  echo "setup: apt-get not found; install these yourself: ${DEBIAN_PACKAGES[*]}" >&2
fi

# DAISY Ace, the EPUB accessibility checker, into .tools/ace. --ignore-scripts stops its
# browser library from downloading a browser of its own; Ace runs Debian's chromium instead.
# It needs Node.js 20 or newer (the machine's node); without node, inv check says so and
# runs the other checks.
if command -v npm >/dev/null 2>&1; then
  npm install --prefix .tools/ace --ignore-scripts --no-audit --no-fund --save-exact \
    --loglevel=error @daisy/ace@1.4.6 >/dev/null
else
  echo "setup: npm not found; DAISY Ace will not be installed (inv check will skip it)" >&2
fi

# Python packages: pressroom itself (editable) with the test tools, into the python3 on PATH.
# Where that is Debian's own Python (marked externally managed), pip needs python3-pip and
# leave to install beside Debian's packages; pip ignores the variable where it is not needed.
if ! python3 -m pip --version >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  apt-get install -y -qq --no-install-recommends python3-pip
fi
PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet --disable-pip-version-check \
  --root-user-action=ignore -e ".[test]"

# Build the default edition.
python3 -m invoke build
