#!/usr/bin/env bash
# Debian packages the adapter and end-to-end tests start as real servers. Installs only
# what is missing, and only where it can (root with apt-get); otherwise it says what to install.
#
# The tests start every server themselves (own config, temp data dir, free loopback port),
# so the distribution's services are neither needed nor wanted: while installing we put a
# policy-rc.d in place that forbids invoke-rc.d from starting them (Debian's documented way,
# see /usr/share/doc/init-system-helpers/README.policy-rc.d), and we remove it afterwards
# unless one was already there. Without it, postinst would start nginx on :80, postgresql on
# :5432, redis on :6379, prometheus on :9090 and alertmanager on :9093/:9094.
set -euo pipefail
PACKAGES=(
  nginx                   # TrafficRouter: weighted upstreams, reload, stub_status
  haproxy                 # TrafficRouter: Runtime API on the stats socket
  postgresql              # Database: initdb/pg_ctl/postgres, pg_dump, psql (PostgreSQL 15 on bookworm)
  redis-server            # Cache: FLUSHDB on one logical db
  prometheus              # MetricSource: /api/v1/query
  prometheus-alertmanager # AlertSource: /api/v2/alerts
)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${missing[*]}" >&2
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary, from rollback-orchestrator scripts/system-packages.sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
  echo "Missing Debian packages: ${missing[*]} (install them with apt-get as root)" >&2
  exit 1
fi
