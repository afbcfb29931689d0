#!/usr/bin/env bash
# Debian packages the adapter and end-to-end tests start as real servers. Installs only
# what is missing, and only where it can (root with apt-get); otherwise it says what to install.
set -euo pipefail
PACKAGES=()
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${missing[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
  echo "Missing Debian packages: ${missing[*]} (install them with apt-get as root)" >&2
  exit 1
fi
