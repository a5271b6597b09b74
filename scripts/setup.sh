#!/usr/bin/env bash
# Set up everything pressroom needs on a fresh Debian 12 machine (as root), then build the
# default edition into build/<its id>/. Safe to run again: each step is idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the book faces (EB Garamond, Noto Serif, Noto Serif CJK), PDF tools for checks and tests, Java for
# EPUBCheck, Pango and fontconfig for WeasyPrint's text and font lookup, HarfBuzz subsetting,
# calibre's ebook-meta (the tests read our EPUB's metadata with it, as e-book shops do), and
# chromium, the browser DAISY Ace checks the EPUB's accessibility in. The Noto faces set
# Chinese, Japanese, Korean, Cyrillic and Vietnamese text that EB Garamond lacks; OCRmyPDF
# with Tesseract's English data makes scanned PDF readings searchable text.
DEBIAN_PACKAGES=(
  # The faces for Greek, Cyrillic and Vietnamese (Noto Serif), Arabic (Noto Naskh Arabic),
  # mathematical signs and symbols (Noto Sans Math, Noto Sans Symbols2), code (DejaVu Sans
  # Mono) and Chinese, Japanese and Korean (Noto Serif CJK): the table in
  # src/pressroom/faces.py names them. EB Garamond and the math face come from Python
  # packages (requirements.lock).
  fonts-noto-core
  fonts-dejavu-core
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
  ocrmypdf
  # The CMYK output intent of the print package's PDF/X (Ghostscript's SWOP profile).
  libgs-common
  # inv brf: liblouis's lou_translate and its tables (UEB grade 2).
  liblouis-bin
  tesseract-ocr
  tesseract-ocr-eng
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
  # pdf.js, Firefox's PDF viewer, for the tests: its find bar must find every word of the
  # PDFs whole (tests/printing/test_textlayer.py).
  npm install --prefix .tools/pdfjs --ignore-scripts --no-audit --no-fund --save-exact \
    --loglevel=error pdfjs-dist@4.10.38 >/dev/null
else
  echo "setup: npm not found; DAISY Ace will not be installed (inv check will skip it)" >&2
fi

# Python: a virtual environment of the project's own, .venv, made with the machine's python3;
# nothing is installed into the system's Python. Debian's python3 makes virtual environments
# only with python3-venv (its ensurepip), so that is installed where it is missing.
PYTHON=$(command -v python3 || true)
if [ -z "$PYTHON" ]; then
  echo "setup: no python3 on PATH (pressroom needs Python 3.11 or newer)" >&2
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "setup: $PYTHON is Python $("$PYTHON" -c 'import platform; print(platform.python_version())'); pressroom needs 3.11 or newer" >&2
  exit 1
fi
if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends python3-venv
  else
    echo "setup: $PYTHON cannot make virtual environments (no venv/ensurepip module)" >&2
    exit 1
  fi
fi
# A half-made or moved environment (its python no longer starts) is made again.
if ! .venv/bin/python -c 'import sys' >/dev/null 2>&1; then
  rm -rf .venv
  "$PYTHON" -m venv .venv
fi

# Exact versions, each file checked against its sha256 (requirements.lock, written by
# `inv lock`): pressroom's dependencies and the test tools. Then pressroom itself, editable,
# built with the locked setuptools, so no unpinned package is fetched.
PIP=(.venv/bin/python -m pip --quiet --disable-pip-version-check --require-virtualenv)
# First the locked pip itself: the pip a virtual environment starts with is whatever the
# machine's Python carries, and pip 23.2 refuses a hashed lock in which a package is also
# asked for with extras (weasyprint's fonttools[woff]).
pip_lock=$(mktemp)
trap 'rm -f "$pip_lock"' EXIT
awk '/^pip==/ {keep = 1} keep {print} keep && !/\\$/ {exit}' requirements.lock > "$pip_lock"
"${PIP[@]}" install --require-hashes -r "$pip_lock"
"${PIP[@]}" install --require-hashes -r requirements.lock
"${PIP[@]}" install --no-deps --no-build-isolation -e .
# The static files of each style of the packaged variable faces, made once (pressroom.faces).
.venv/bin/python -c 'from pressroom import faces; faces.make_static_faces()'

# Build the default edition.
.venv/bin/python -m invoke build
