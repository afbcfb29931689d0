#!/usr/bin/env bash
# `npm test`: set-up, type check, lint (eslint and prettier), then the whole jest suite (extra arguments go to jest).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
bash scripts/system-packages.sh
npx tsc --noEmit -p tsconfig.json
npm run -s lint
export TEMPORAL_CLI="${TEMPORAL_CLI:-$(bash scripts/temporal.sh path)}"
npx jest "$@"
