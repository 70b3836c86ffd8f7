#!/bin/bash
# The bare-command side of each benchmark figure: the same work as ours on the same hosts and images, with nothing
# of ours (no TLS, no slot, no readiness waits, trust auth). DOCKER_HOST names the engine (bench/run.ts sets it).
#   bench/floor.sh standby <image> <primary engine> <standby engine> <primary link address>
#                                                 from nothing to a streaming standby across the two hosts (timed by the caller)
#   bench/floor.sh cleanup <primary engine> <standby engine>
#   bench/floor.sh tar-copy <image> <from> <to>   raw copy of one volume into another (the base backup floor)
#   bench/floor.sh reseed <image> <volume> <host> <port> <user>
#                                                 pg_basebackup of a running primary into a new volume, the password on
#                                                 stdin (the re-seed a rejoin with pg_rewind avoids)
#   bench/floor.sh redis-pair <image> [<tls dir>] a bare master/replica pair (TLS with ca.pem/cert.pem/key.pem)
#   bench/floor.sh redis-fill <keys> <container> <redis-cli command...>
#   bench/floor.sh redis-empty <image> <volume>   remove a stopped Redis's data from its volume
#   bench/floor.sh redis-cleanup
set -Eeuo pipefail
readonly FLOOR_PORT=55432
# Expanded inside the containers, not here.
# shellcheck disable=SC2016
readonly PG_BIN='$(ls -d /usr/lib/postgresql/*/bin | tail -n 1)'

cleanup() { # <primary engine> <standby engine>
  DOCKER_HOST=$1 docker rm -f -v synaxic-floor-primary >/dev/null 2>&1 || true
  DOCKER_HOST=$1 docker volume rm synaxic-floor-primary >/dev/null 2>&1 || true
  DOCKER_HOST=$2 docker rm -f -v synaxic-floor-standby >/dev/null 2>&1 || true
  DOCKER_HOST=$2 docker volume rm synaxic-floor-standby >/dev/null 2>&1 || true
}

as_postgres() { echo "install -d -o postgres /var/run/postgresql && chown postgres /d && chmod 700 /d && exec setpriv --reuid postgres --regid postgres --init-groups env HOME=/tmp bash -c \"PATH=$PG_BIN:\$PATH; $1\""; }

# The primary on one host, published on its link address; the standby on the other, through that address.
standby() { # <image> <primary engine> <standby engine> <primary link address>
  local image=$1 primary=$2 standby=$3 address=$4
  DOCKER_HOST=$primary docker run -d --name synaxic-floor-primary -p "$address:$FLOOR_PORT:5432" -v synaxic-floor-primary:/d --entrypoint bash "$image" -c \
    "$(as_postgres "initdb -D /d -U postgres --auth=trust >/dev/null && echo 'host replication all 0.0.0.0/0 trust' >> /d/pg_hba.conf && exec postgres -D /d -c listen_addresses='*'")" >/dev/null
  until DOCKER_HOST=$primary docker exec synaxic-floor-primary bash -c "$PG_BIN/pg_isready -q -h 127.0.0.1" 2>/dev/null; do sleep 0.05; done
  DOCKER_HOST=$standby docker run --rm -v synaxic-floor-standby:/d --entrypoint bash "$image" -c \
    "$(as_postgres "pg_basebackup -h $address -p $FLOOR_PORT -U postgres -D /d -c fast -X stream -R")"
  DOCKER_HOST=$standby docker run -d --name synaxic-floor-standby -v synaxic-floor-standby:/d --entrypoint bash "$image" -c \
    "$(as_postgres "exec postgres -D /d")" >/dev/null
  until [ "$(DOCKER_HOST=$primary docker exec synaxic-floor-primary bash -c "$PG_BIN/psql -h /var/run/postgresql -U postgres -Atc \"SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'\"" 2>/dev/null)" = 1 ]; do sleep 0.05; done
}

tar_copy() { # <image> <from volume> <to volume>
  docker run --rm -v "$2:/src:ro" -v "$3:/dst" --entrypoint bash "$1" -c 'tar -C /src -cf - . | tar -C /dst -xf -'
}

readonly REDIS_NET=synaxic-floor-net
redis_cleanup() {
  docker rm -f -v synaxic-floor-redis-m synaxic-floor-redis-r >/dev/null 2>&1 || true
  docker network rm "$REDIS_NET" >/dev/null 2>&1 || true
}

# Both without persistence and with the master's diskless sync as ours; with a TLS dir, TLS on 6380 as ours.
redis_pair() { # <image> [<tls dir>]
  local image=$1 tls=${2:-} port=6379
  local -a args=(--save '' --appendonly no --protected-mode no) mount=()
  if [ -n "$tls" ]; then
    port=6380
    mount=(-v "$tls:/tls:ro")
    args+=(--port 0 --tls-port 6380 --tls-cert-file /tls/cert.pem --tls-key-file /tls/key.pem --tls-ca-cert-file /tls/ca.pem
      --tls-auth-clients no --tls-replication yes)
  fi
  redis_cleanup
  docker network create "$REDIS_NET" >/dev/null
  docker run -d --name synaxic-floor-redis-m --network "$REDIS_NET" "${mount[@]}" --entrypoint redis-server "$image" "${args[@]}" \
    --repl-diskless-sync yes --repl-diskless-sync-delay 0 >/dev/null
  docker run -d --name synaxic-floor-redis-r --network "$REDIS_NET" "${mount[@]}" --entrypoint redis-server "$image" "${args[@]}" \
    --replicaof synaxic-floor-redis-m "$port" >/dev/null
  sleep 0.5
}

# <keys> distinct keys through redis-cli --pipe inside <container>.
redis_fill() { # <keys> <container> <redis-cli command...>
  local keys=$1 container=$2
  shift 2
  seq 1 "$keys" | awk '{printf "*3\r\n$3\r\nSET\r\n$%d\r\nkey:%s\r\n$8\r\nvalue-%02d\r\n", length("key:" $1), $1, $1 % 100}' \
    | docker exec -i "$container" "$@" --pipe >/dev/null
}

redis_empty() { # <image> <volume>
  docker run --rm -v "$2:/data" --entrypoint bash "$1" -c 'rm -f /data/dump.rdb; rm -rf /data/appendonlydir'
}

# The replication password is read from stdin: never in the container's arguments or environment as docker shows.
reseed() { # <image> <volume> <host> <port> <user>
  docker run --rm -i -v "$2:/d" --entrypoint bash "$1" -c \
    "read -r PGPASSWORD && export PGPASSWORD && $(as_postgres "pg_basebackup -D /d -c fast -X stream -d 'host=$3 port=$4 user=$5 sslmode=require'")"
}

case "${1:-}" in
  standby) standby "$2" "$3" "$4" "$5" ;;
  reseed) reseed "$2" "$3" "$4" "$5" "$6" ;;
  cleanup) cleanup "$2" "$3" ;;
  tar-copy) tar_copy "$2" "$3" "$4" ;;
  redis-pair) redis_pair "$2" "${3:-}" ;;
  redis-fill) shift; redis_fill "$@" ;;
  redis-empty) redis_empty "$2" "$3" ;;
  redis-cleanup) redis_cleanup ;;
  *) echo "usage: see the top of bench/floor.sh" >&2; exit 2 ;;
esac
