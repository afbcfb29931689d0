#!/usr/bin/env bash
# The one set-up step both `npm start` and `npm test` run: Node packages, then the
# Temporal CLI. Safe to run again; it only does what is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# `npm ci` cannot be used: the lockfile lists optional platform packages that some
# registries do not serve. `npm install` with the committed lockfile pins the same versions.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "Installing Node packages…" >&2
  npm install --no-audit --no-fund >&2
fi

bash scripts/temporal.sh path >/dev/null
