#!/bin/bash
# What a user of the manual guide has on the master VPS, for the take-over test: the official images' first start
# (docker-library's docker-entrypoint.sh with POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB; redis-server with its
# data in /data), then the guide's setup-master.sh (a replication role) and an application's rows and keys.
# Run inside the official-layout images as root:
#   guide-deployment.sh postgres <password> <replication password>   (volume at /var/lib/postgresql/data)
#   guide-deployment.sh redis <password>                               (volume at /data)
set -Eeuo pipefail

postgres_guide() {
  local password=$1 replication_password=$2
  export PGDATA=/var/lib/postgresql/data
  chown postgres:postgres "$PGDATA"
  as_postgres() { setpriv --reuid postgres --regid postgres --init-groups env HOME=/var/lib/postgresql "$@"; }
  # docker-entrypoint.sh: initdb with POSTGRES_USER as the superuser, a scram 'host all all all' rule, POSTGRES_DB.
  printf '%s\n' "$password" >/tmp/pwfile
  chown postgres /tmp/pwfile
  as_postgres initdb -D "$PGDATA" --username=synaxic --pwfile=/tmp/pwfile --auth-host=scram-sha-256 >/dev/null
  echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"
  as_postgres pg_ctl -D "$PGDATA" -w -o "-c listen_addresses=''" start >/dev/null
  as_postgres psql -X -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -U synaxic -d postgres <<SQL
CREATE DATABASE synaxic;
-- setup-master.sh
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '$replication_password';
ALTER SYSTEM SET wal_level = 'replica';
\c synaxic
CREATE TABLE orders (id serial PRIMARY KEY, item text NOT NULL);
INSERT INTO orders (item) SELECT 'item ' || g FROM generate_series(1, 1000) g;
-- What an application's migrations leave beside its tables.
CREATE VIEW recent_orders AS SELECT id, item FROM orders ORDER BY id DESC LIMIT 10;
CREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM orders';
SQL
  as_postgres pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
}

redis_guide() {
  local password=$1
  cd /data
  chown redis:redis /data
  setpriv --reuid redis --regid redis --init-groups redis-server --requirepass "$password" --appendonly yes --daemonize yes >/dev/null
  until REDISCLI_AUTH=$password redis-cli PING 2>/dev/null | grep -qx PONG; do sleep 0.1; done
  for i in $(seq 1 100); do REDISCLI_AUTH=$password redis-cli SET "guide:$i" "value $i" >/dev/null; done
  # SHUTDOWN returns when the server has saved and exited (the connection closes).
  REDISCLI_AUTH=$password redis-cli SHUTDOWN SAVE >/dev/null 2>&1 || true
  [ -s /data/dump.rdb ] || { echo "redis saved no dump.rdb" >&2; exit 1; }
}

case "${1:-}" in
  postgres) postgres_guide "$2" "$3" ;;
  redis) redis_guide "$2" ;;
  *) echo "usage: guide-deployment.sh postgres <password> <replication password> | redis <password>" >&2; exit 2 ;;
esac
