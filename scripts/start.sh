#!/usr/bin/env bash
# `npm start`: set-up, then the dev server, the worker and the API, until Ctrl-C.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
export TEMPORAL_CLI="${TEMPORAL_CLI:-$(bash scripts/temporal.sh path)}"
exec npx tsx scripts/dev.ts
