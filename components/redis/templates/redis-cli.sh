#!/bin/bash
# `docker exec <redis or sentinel container> synaxic-redis-cli <command...>`: redis-cli over TLS with this container's
# certificate, as this host's admin user (the one login with every command: break-glass, and the program's own steps
# on the host), its password read from a 0600 file, so none is typed on a command line or kept in shell history.
set -Eeuo pipefail
readonly ETC=/usr/local/etc/redis
REDISCLI_AUTH=$(cat "$ETC/admin.password")
export REDISCLI_AUTH
# In a Sentinel's container, that Sentinel; in a Redis server's, that server.
if [ -f /etc/synaxic/uploads/sentinel.conf ]; then set -- -p 26380 "$@"; else set -- -p 6380 "$@"; fi
exec redis-cli --no-auth-warning --user admin --tls --cacert "$ETC/tls/ca.crt" --cert "$ETC/tls/redis.crt" \
  --key "$ETC/tls/redis.key" "$@"
