#!/bin/bash
# Prints the path of a promtool, for the alert rules' unit tests: the one on PATH, or the one in Debian's
# prometheus package, unpacked once into a cache (nothing is installed and no Prometheus server is started).
set -Eeuo pipefail
if command -v promtool >/dev/null 2>&1; then
  command -v promtool
  exit 0
fi
readonly CACHE=${XDG_CACHE_HOME:-${HOME:-/var/tmp}/.cache}/synaxic/promtool
if [ ! -x "$CACHE/usr/bin/promtool" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get download prometheus >/dev/null 2>&1) || {
    [ "$(id -u)" != 0 ] || apt-get update -qq
    (cd "$work" && apt-get download prometheus >/dev/null)
  } || { echo "promtool: cannot download Debian's prometheus package (apt-get download prometheus)" >&2; exit 1; }
  mkdir -p "$CACHE"
  dpkg-deb -x "$work"/prometheus_*.deb "$work/root"
  install -D -m 0755 "$work/root/usr/bin/promtool" "$CACHE/usr/bin/promtool"
fi
echo "$CACHE/usr/bin/promtool"
