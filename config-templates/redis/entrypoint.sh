#!/bin/bash
# Redis entrypoint: install TLS files and passwords owned by redis, then run redis-server as PID 1.
#   entrypoint.sh serve | healthcheck
set -Eeuo pipefail
# shellcheck source=../scripts/entrypoint-lib.sh
source /usr/local/lib/synaxic/entrypoint-lib.sh
SYNAXIC_SERVICE=redis

readonly UPLOADS=/etc/synaxic/uploads
readonly ETC=/usr/local/etc/redis

install_files() {
  install_file 0644 redis "$UPLOADS/redis.conf" "$ETC/redis.conf"
  install_file 0600 redis "$UPLOADS/secrets.conf" "$ETC/secrets.conf"
  install_file 0644 redis "$UPLOADS/ca.crt" "$ETC/tls/ca.crt"
  install_file 0644 redis "$UPLOADS/redis.crt" "$ETC/tls/redis.crt"
  install_file 0600 redis "$UPLOADS/redis.key" "$ETC/tls/redis.key"
  if [ -f "$UPLOADS/client.crt" ]; then
    install_file 0644 redis "$UPLOADS/client.crt" "$ETC/tls/client.crt"
    install_file 0600 redis "$UPLOADS/client.key" "$ETC/tls/client.key"
  fi
  install -d -o redis -g redis -m 0750 /data
  chown redis:redis /data
}

# PING over TLS with the password from the secrets file; the password never lands on a command line.
healthcheck() {
  /usr/local/bin/synaxic-redis-cli PING | grep -qx PONG
}

main() {
  case "${1:-}" in
    healthcheck) healthcheck ;;
    serve)
      require_user redis
      install_files
      log "starting Redis"
      exec_as redis redis-server "$ETC/redis.conf"
      ;;
    *) die "usage: entrypoint.sh serve|healthcheck" ;;
  esac
}

main "$@"
