#!/bin/bash
# `docker exec <redis container> synaxic-redis-cli <command...>`: redis-cli over TLS with this server's
# certificate and password, so no password is typed on a command line or kept in shell history.
set -Eeuo pipefail
readonly ETC=/usr/local/etc/redis
REDISCLI_AUTH=$(sed -n 's/^requirepass //p' "$ETC/secrets.conf")
export REDISCLI_AUTH
exec redis-cli --no-auth-warning --tls --cacert "$ETC/tls/ca.crt" --cert "$ETC/tls/redis.crt" --key "$ETC/tls/redis.key" -p 6380 "$@"
