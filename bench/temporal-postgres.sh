#!/usr/bin/env bash
# The production shape on this machine: the Temporal server (v1.32.2) on PostgreSQL, with
# this project's dynamic config (config/temporal-dynamicconfig.yaml) — for figures that may
# be the dev server's limit rather than ours (../shared/production-shape.md).
#   bash bench/temporal-postgres.sh start DIR [PORT]   builds what is missing (Go, ~6 min cold),
#        starts PostgreSQL and the server in DIR, prints the frontend address and server pid
#   bash bench/temporal-postgres.sh stop DIR
# Then: TEMPORAL_ADDRESS=127.0.0.1:PORT BENCH_SERVER_PID=<pid> npm run bench
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.tools/bin"
VERSION=v1.32.2
# The server needs a newer Go than Debian's; the module proxy serves this toolchain.
export GOTOOLCHAIN=go1.27.3

cmd="${1:-}"; DIR="${2:-}"
[ -n "$cmd" ] && [ -n "$DIR" ] || { echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2; }
mkdir -p "$DIR"; DIR="$(cd "$DIR" && pwd)"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"

if [ "$cmd" = stop ]; then
  [ -f "$DIR/server.pid" ] && kill "$(cat "$DIR/server.pid")" 2>/dev/null || true
  [ -d "$DIR/pg" ] && su postgres -c "$PG_BIN/pg_ctl -D $DIR/pg -m fast stop" >/dev/null 2>&1 || true
  exit 0
fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2; }

PORT="${3:-27233}"
PG_PORT=$((PORT + 1000))
# Membership ports are stored as smallint: keep them below 32768.
MEMBERSHIP=$((PORT % 20000 + 6000))

for tool in server tools/sql; do
  name="$(basename "$tool")"
  [ -x "$BIN/$name" ] || { echo "building temporal $name $VERSION…" >&2; GOBIN="$BIN" go install "go.temporal.io/server/cmd/$tool@$VERSION"; }
done
MODULE="$(go env GOMODCACHE)/go.temporal.io/server@$VERSION"

# PostgreSQL runs as the postgres user (initdb refuses root), trust auth on loopback only.
if [ ! -d "$DIR/pg" ]; then
  install -d -o postgres "$DIR/pg" "$DIR/pg-socket"
  su postgres -c "$PG_BIN/initdb -D $DIR/pg -U postgres --auth=trust" >"$DIR/initdb.log"
fi
chown postgres "$DIR" 2>/dev/null || true
su postgres -c "$PG_BIN/pg_ctl -D $DIR/pg status" >/dev/null 2>&1 ||
  su postgres -c "$PG_BIN/pg_ctl -D $DIR/pg -l $DIR/pg.log -w -o '-p $PG_PORT -k $DIR/pg-socket -c listen_addresses=127.0.0.1 -c max_connections=200' start" >/dev/null

SQL=("$BIN/sql" --plugin postgres12 --ep 127.0.0.1 -p "$PG_PORT" -u postgres --pw x)
if [ ! -f "$DIR/schema.done" ]; then
  for db in temporal temporal_visibility; do
    kind=temporal; [ "$db" = temporal_visibility ] && kind=visibility
    "${SQL[@]}" --db "$db" create-database
    "${SQL[@]}" --db "$db" setup-schema -v 0.0
    "${SQL[@]}" --db "$db" update-schema -d "$MODULE/schema/postgresql/v12/$kind/versioned"
  done >"$DIR/schema.log" 2>&1
  touch "$DIR/schema.done"
fi

mkdir -p "$DIR/config"
cp "$ROOT/config/temporal-dynamicconfig.yaml" "$DIR/config/dynamicconfig.yaml"
sed -e "s/127.0.0.1:5432/127.0.0.1:$PG_PORT/; s/user: \"temporal\"/user: \"postgres\"/" \
  -e "s/grpcPort: 7233/grpcPort: $PORT/; s/grpcPort: 7234/grpcPort: $((PORT + 1))/; s/grpcPort: 7235/grpcPort: $((PORT + 2))/; s/grpcPort: 7239/grpcPort: $((PORT + 6))/" \
  -e "s/membershipPort: 6933/membershipPort: $MEMBERSHIP/; s/membershipPort: 6934/membershipPort: $((MEMBERSHIP + 1))/; s/membershipPort: 6935/membershipPort: $((MEMBERSHIP + 2))/; s/membershipPort: 6939/membershipPort: $((MEMBERSHIP + 6))/" \
  -e "s/httpPort: 7243/httpPort: $((PORT + 10))/; s/port: 7936/port: $((PORT + 11))/; s/127.0.0.1:8000/127.0.0.1:$((PORT + 12))/; s/localhost:7233/127.0.0.1:$PORT/" \
  -e "s#config/dynamicconfig/development-sql.yaml#$DIR/config/dynamicconfig.yaml#; s/level: info/level: warn/" \
  "$MODULE/config/development-postgres12.yaml" >"$DIR/config/production-shape.yaml"

if ! { [ -f "$DIR/server.pid" ] && kill -0 "$(cat "$DIR/server.pid")" 2>/dev/null; }; then
  "$BIN/server" --root "$DIR" --config config --env production-shape --allow-no-auth start >"$DIR/server.log" 2>&1 &
  echo $! >"$DIR/server.pid"
fi

TEMPORAL="$(bash "$ROOT/scripts/temporal.sh" path)"
for _ in $(seq 120); do
  "$TEMPORAL" operator cluster health --address "127.0.0.1:$PORT" 2>/dev/null | grep -q SERVING && break
  sleep 1
done
"$TEMPORAL" operator namespace describe --namespace default --address "127.0.0.1:$PORT" >/dev/null 2>&1 ||
  "$TEMPORAL" operator namespace create --namespace default --address "127.0.0.1:$PORT" >/dev/null
# A namespace just registered takes a few seconds to accept search attributes.
while IFS= read -r sa; do
  for _ in $(seq 60); do
    "$TEMPORAL" operator search-attribute list --namespace default --address "127.0.0.1:$PORT" 2>/dev/null | grep -qw "${sa%=*}" && break
    "$TEMPORAL" operator search-attribute create --namespace default --address "127.0.0.1:$PORT" --name "${sa%=*}" --type "${sa#*=}" >/dev/null 2>&1 || sleep 1
  done
done < <(bash "$ROOT/scripts/temporal.sh" search-attributes)
echo "Temporal $VERSION on PostgreSQL: 127.0.0.1:$PORT (server pid $(cat "$DIR/server.pid"), PostgreSQL port $PG_PORT, logs in $DIR)"
