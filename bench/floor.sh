#!/bin/bash
# The floor for "time to a streaming standby": the same PostgreSQL work as bare commands on the same engine and
# image, with nothing of ours (no TLS, no slot, no health waits, trust auth on a private network).
#   bench/floor.sh standby <image>     from nothing to a streaming standby (the caller times it)
#   bench/floor.sh cleanup
set -Eeuo pipefail
readonly NET=synaxic-floor-net SUBNET=172.30.98.0/24 PRIMARY_IP=172.30.98.10 STANDBY_IP=172.30.98.20
readonly PG_BIN='$(ls -d /usr/lib/postgresql/*/bin | tail -n 1)'

cleanup() {
  docker rm -f synaxic-floor-primary synaxic-floor-standby >/dev/null 2>&1 || true
  docker volume rm synaxic-floor-primary synaxic-floor-standby >/dev/null 2>&1 || true
  docker network rm "$NET" >/dev/null 2>&1 || true
}

as_postgres() { echo "install -d -o postgres /var/run/postgresql && chown postgres /d && chmod 700 /d && exec setpriv --reuid postgres --regid postgres --init-groups env HOME=/tmp bash -c \"PATH=$PG_BIN:\$PATH; $1\""; }

standby() {
  local image=$1
  docker network create --subnet "$SUBNET" "$NET" >/dev/null
  docker run -d --name synaxic-floor-primary --network "$NET" --ip "$PRIMARY_IP" -v synaxic-floor-primary:/d --entrypoint bash "$image" -c \
    "$(as_postgres "initdb -D /d -U postgres --auth=trust >/dev/null && echo 'host replication all $SUBNET trust' >> /d/pg_hba.conf && exec postgres -D /d -c listen_addresses='*'")" >/dev/null
  until docker exec synaxic-floor-primary bash -c "$PG_BIN/pg_isready -q -h $PRIMARY_IP" 2>/dev/null; do sleep 0.05; done
  docker run --rm --network "$NET" -v synaxic-floor-standby:/d --entrypoint bash "$image" -c \
    "$(as_postgres "pg_basebackup -h $PRIMARY_IP -U postgres -D /d -c fast -X stream -R")"
  docker run -d --name synaxic-floor-standby --network "$NET" --ip "$STANDBY_IP" -v synaxic-floor-standby:/d --entrypoint bash "$image" -c \
    "$(as_postgres "exec postgres -D /d")" >/dev/null
  until [ "$(docker exec synaxic-floor-primary bash -c "$PG_BIN/psql -h /var/run/postgresql -U postgres -Atc \"SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'\"" 2>/dev/null)" = 1 ]; do sleep 0.05; done
}

case "${1:-}" in
  standby) standby "$2" ;;
  cleanup) cleanup ;;
  *) echo "usage: floor.sh standby <image> | cleanup" >&2; exit 2 ;;
esac
