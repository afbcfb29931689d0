#!/usr/bin/env bash
# Finds the Temporal CLI ($TEMPORAL_CLI, then PATH, then .tools/bin), building it with Go
# when none is found, and runs its dev server with this project's search attributes.
#   scripts/temporal.sh path                 print the CLI's path (building it if needed)
#   scripts/temporal.sh start-dev [flags…]   exec `temporal server start-dev` with our defaults
#   scripts/temporal.sh search-attributes    print our search attributes (Name=Type), one a line
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_BIN="$ROOT/.tools/bin"
# Later tags carry `replace` directives that `go install` refuses.
CLI_MODULE="github.com/temporalio/cli/cmd/temporal@v1.5.1"

# Custom search attributes; keep in step with SearchAttributes in src/workflows/messages.ts.
SEARCH_ATTRIBUTES=(
  RollbackPlan=Keyword
  RollbackService=Keyword
  RollbackStage=Keyword
  RollbackLevel=Int
  RollbackOutcome=Keyword
  RollbackDrill=Keyword
)

# Server settings, one file for the dev server and a full server (see its comments).
DYNAMIC_CONFIG="$ROOT/config/temporal-dynamicconfig.yaml"

# `key: [- value: v]` pairs from that file as start-dev flags (it holds only global values).
dynamic_config_flags() {
  awk '/^[A-Za-z][A-Za-z0-9.]*:[[:space:]]*$/ { key = substr($1, 1, length($1) - 1); next }
       /^[[:space:]]*-[[:space:]]*value:/ && key != "" { sub(/^[[:space:]]*-[[:space:]]*value:[[:space:]]*/, ""); print "--dynamic-config-value"; print key "=" $0; key = "" }' "$DYNAMIC_CONFIG"
}

find_cli() {
  if [ -n "${TEMPORAL_CLI:-}" ]; then
    [ -x "$TEMPORAL_CLI" ] || { echo "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable file" >&2; exit 1; }
    echo "$TEMPORAL_CLI"; return
  fi
  if command -v temporal >/dev/null 2>&1; then command -v temporal; return; fi
  if [ -x "$TOOLS_BIN/temporal" ]; then echo "$TOOLS_BIN/temporal"; return; fi
  if ! command -v go >/dev/null 2>&1; then
    cat >&2 <<MSG
No Temporal CLI found, and no Go toolchain to build one.
Either install Go (https://go.dev/doc/install) and run this again, or install the CLI
(https://docs.temporal.io/cli#install) and put it on PATH or in TEMPORAL_CLI.
MSG
    exit 1
  fi
  echo "Building the Temporal CLI ($CLI_MODULE) into $TOOLS_BIN; the first build takes several minutes…" >&2
  mkdir -p "$TOOLS_BIN"
  GOBIN="$TOOLS_BIN" go install "$CLI_MODULE" >&2
  echo "$TOOLS_BIN/temporal"
}

case "${1:-}" in
  path)
    find_cli
    ;;
  search-attributes)
    printf '%s\n' "${SEARCH_ATTRIBUTES[@]}"
    ;;
  start-dev)
    shift
    cli="$(find_cli)"
    args=()
    for sa in "${SEARCH_ATTRIBUTES[@]}"; do args+=(--search-attribute "$sa"); done
    while IFS= read -r flag; do args+=("$flag"); done < <(dynamic_config_flags)
    exec "$cli" server start-dev --ip 127.0.0.1 --log-level warn "${args[@]}" "$@"
    ;;
  *)
    echo "usage: $0 path | search-attributes | start-dev [temporal server start-dev flags…]" >&2
    exit 2
    ;;
esac
