# shellcheck shell=bash
# Failover, on the replica's host, before anything here is promoted: `bash -s -- <postgres container> <old master
# host> <postgres port> <redis host> <redis port> <fencedHost or ->` with this text on stdin. Fails while the old
# master still answers on either port: two writable primaries must never exist, so it has to be fenced (stopped, with
# its restart policy off) or down first. An old master that answers on neither port may also be one this host cannot
# reach while it takes writes (a cut link): that passes only when the operator has named it fenced (fencedHost).
# Passes at once where this host is already the primary (a re-run after the failover).
set -Eeuo pipefail
readonly CONTAINER=$1 OLD_PG_HOST=$2 OLD_PG_PORT=$3 OLD_REDIS_HOST=$4 OLD_REDIS_PORT=$5 FENCED_HOST=${6:--}

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
if [ "$FENCED_HOST" != "$OLD_PG_HOST" ]; then
  echo "synaxic: the old master answers on neither $OLD_PG_HOST:$OLD_PG_PORT nor $OLD_REDIS_HOST:$OLD_REDIS_PORT, which is" \
    "also what a cut link looks like while it still takes writes: nothing was promoted. Once it is fenced (docs/failover.md:" \
    "its containers stopped with their restart policy off, or the machine off), say so:" \
    "pulumi config set fencedHost $OLD_PG_HOST --stack <replica stack>, then pulumi up again" >&2
  exit 1
fi
echo "synaxic: the old master answers on neither port, and fencedHost names it: fenced"
