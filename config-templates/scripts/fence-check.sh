# shellcheck shell=bash
# Failover, on the replica's host, before anything here is promoted: `bash -s -- <postgres container> <old master
# host> <postgres port> <redis host> <redis port>` with this text on stdin. Fails while the old master still answers
# on either port: two writable primaries must never exist, so it has to be fenced (stopped, with its restart policy
# off) or down first. Passes at once where this host is already the primary (a re-run after the failover).
set -Eeuo pipefail
readonly CONTAINER=$1 OLD_PG_HOST=$2 OLD_PG_PORT=$3 OLD_REDIS_HOST=$4 OLD_REDIS_PORT=$5

answers() { timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

if [ "$(docker exec "$CONTAINER" synaxic-promote status)" = primary ]; then
  echo "synaxic: $CONTAINER is the primary already"
  exit 0
fi
for target in "$OLD_PG_HOST:$OLD_PG_PORT" "$OLD_REDIS_HOST:$OLD_REDIS_PORT"; do
  if answers "${target%:*}" "${target##*:}"; then
    echo "synaxic: the old master still answers at $target: promoting now would leave two writable primaries." \
      "Fence it first (docs/failover.md: stop its containers with their restart policy off), or set promote back to false" >&2
    exit 1
  fi
done
echo "synaxic: the old master answers on neither port: fenced"
