#!/usr/bin/env bash
# Creates (or reuses) the separate tool environment .tools/checkov with checkov pinned.
#
# checkov pins old packaging, urllib3, networkx and Powertools versions that fight the project's own
# pins, so it never goes into .venv. Safe to run twice: a matching version is reused.
# Usage: tools/checkov-env.sh            -> prints the path of the checkov executable
set -euo pipefail

CHECKOV_VERSION="3.3.30"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENV_DIR="${ROOT}/.tools/checkov"
PYTHON="${CHECKOV_PYTHON:-python3.11}"
STAMP="${ENV_DIR}/.installed-${CHECKOV_VERSION}"

if [[ ! -f "${STAMP}" ]]; then
    command -v "${PYTHON}" >/dev/null || { echo "error: ${PYTHON} not found (set CHECKOV_PYTHON)" >&2; exit 1; }
    rm -rf "${ENV_DIR}"
    "${PYTHON}" -m venv "${ENV_DIR}"
    "${ENV_DIR}/bin/python" -m pip install --quiet --disable-pip-version-check "checkov==${CHECKOV_VERSION}" >&2
    touch "${STAMP}"
fi
echo "${ENV_DIR}/bin/checkov"
