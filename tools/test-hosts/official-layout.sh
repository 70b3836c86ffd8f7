#!/bin/bash
# Dockerfiles that give a Debian base image the layout of the official images users deploy (no registry here):
#   postgres:17-bookworm  user postgres uid/gid 999, PATH with /usr/lib/postgresql/17/bin,
#                         PGDATA=/var/lib/postgresql/data (VOLUME), /var/run/postgresql 3777, STOPSIGNAL SIGINT
#   redis:7.4-bookworm    user redis uid/gid 999, binaries in /usr/local/bin, /data (VOLUME, WORKDIR)
# (docker-library/postgres 17/bookworm/Dockerfile and docker-library/redis 7.4/debian/Dockerfile.)
#   official-layout.sh dockerfile postgres|redis <base image>
set -Eeuo pipefail

# Move a Debian service user to uid/gid 999 and re-own what it owned.
renumber_user() { # <user>
  cat <<EOF
RUN set -eux; \\
    old_uid=\$(id -u $1); old_gid=\$(id -g $1); \\
    if getent passwd 999 >/dev/null && [ "\$(getent passwd 999 | cut -d: -f1)" != $1 ]; then echo "uid 999 is taken" >&2; exit 1; fi; \\
    groupmod -g 999 $1; usermod -u 999 -g 999 $1; \\
    find / -xdev \\( -uid "\$old_uid" -o -gid "\$old_gid" \\) -exec chown -h 999:999 {} +
EOF
}

postgres_dockerfile() {
  local base=$1
  cat <<EOF
FROM $base
# One service per image, as the official images are.
RUN apt-get purge -y -qq --auto-remove redis-server redis-tools >/dev/null
$(renumber_user postgres)
RUN set -eux; \\
    major=\$(ls /usr/lib/postgresql); [ "\$major" = 17 ]; \\
    mkdir -p /var/run/postgresql /var/lib/postgresql/data; \\
    chown -R postgres:postgres /var/run/postgresql /var/lib/postgresql; \\
    chmod 3777 /var/run/postgresql; chmod 1777 /var/lib/postgresql/data
ENV PATH=\$PATH:/usr/lib/postgresql/17/bin
ENV PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
EOF
}

redis_dockerfile() {
  local base=$1
  cat <<EOF
FROM $base
# One service per image, as the official images are.
RUN apt-get purge -y -qq --auto-remove 'postgresql*' >/dev/null
$(renumber_user redis)
RUN set -eux; \\
    for b in redis-server redis-cli redis-benchmark redis-check-aof redis-check-rdb redis-sentinel; do \\
      if [ -e /usr/bin/\$b ]; then cp -L /usr/bin/\$b /usr/local/bin/\$b; rm -f /usr/bin/\$b; fi; \\
    done; \\
    mkdir /data; chown redis:redis /data
VOLUME /data
WORKDIR /data
EXPOSE 6379
CMD ["redis-server"]
EOF
}

# The monitoring images as upstream publishes them (prom/prometheus, prom/alertmanager, prom/node-exporter,
# quay.io/prometheuscommunity/postgres-exporter, oliver006/redis_exporter): the binary as ENTRYPOINT at its path
# there, their user, data folder and default flags; the binaries are Debian 12's (the build context holds usr/bin).
monitoring_dockerfile() { # <kind> <base image>
  local kind=$1 base=$2 binary path user data="" cmd=""
  case "$kind" in
    prometheus)
      binary=prometheus path=/bin/prometheus user=nobody data=/prometheus
      cmd='["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]' ;;
    alertmanager)
      binary=prometheus-alertmanager path=/bin/alertmanager user=nobody data=/alertmanager
      cmd='["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]' ;;
    postgres-exporter) binary=prometheus-postgres-exporter path=/bin/postgres_exporter user=nobody ;;
    redis-exporter) binary=prometheus-redis-exporter path=/redis_exporter user=59000:59000 ;;
    node-exporter) binary=prometheus-node-exporter path=/bin/node_exporter user=nobody ;;
    *) echo "unknown monitoring image '$kind'" >&2; exit 2 ;;
  esac
  echo "FROM $base"
  echo "COPY usr/bin/$binary $path"
  # Debian's Alertmanager reads its notification templates from disk (upstream embeds them).
  if [ "$kind" = alertmanager ]; then echo "COPY usr/share/prometheus/alertmanager /usr/share/prometheus/alertmanager"; fi
  if [ -n "$data" ]; then
    echo "RUN mkdir -p $data && chown nobody:nogroup $data"
    echo "WORKDIR $data"
    echo "VOLUME $data"
  fi
  echo "USER $user"
  echo "ENTRYPOINT [\"$path\"]"
  if [ -n "$cmd" ]; then echo "CMD $cmd"; fi
}

main() {
  [ "${1:-}" = dockerfile ] || { echo "usage: official-layout.sh dockerfile postgres|redis|<monitoring image> <base image>" >&2; exit 2; }
  case "${2:-}" in
    postgres) postgres_dockerfile "$3" ;;
    redis) redis_dockerfile "$3" ;;
    prometheus|alertmanager|postgres-exporter|redis-exporter|node-exporter) monitoring_dockerfile "$2" "$3" ;;
    *) echo "unknown service '${2:-}'" >&2; exit 2 ;;
  esac
}

main "$@"
