#!/bin/bash
# Two "VPS hosts" on this machine for the e2e tests and benchmarks, as users have them: each a network namespace
# with its own dockerd (data root, exec root, socket, bridge, iptables) and its own sshd, the two linked by a veth
# pair on a private subnet, each reachable from this machine (the operator's workstation and the app) over its own
# uplink. Installs what is missing from Debian's packages and builds the test images once (no registry exists here),
# cached under tags derived from their recipes, loaded into both engines.
#   tools/test-hosts/engine.sh          prepare everything
#   tools/test-hosts/engine.sh env      print the hosts' addresses and files, one KEY=value a line (after 'up')
#   tools/test-hosts/engine.sh stop     stop both hosts and remove their namespaces (images and volumes stay on disk)
set -Eeuo pipefail

readonly STATE_DIR=${SYNAXIC_E2E_STATE:-/var/tmp/synaxic-e2e}
readonly DATA_DIR=${SYNAXIC_E2E_DATA:-/var/lib/synaxic-e2e}
readonly HOSTS=(vps-a vps-b vps-c)
# vps-a: the master's host; vps-b: the replica's; vps-c: a third machine on the private network (the application's
# host, where a third voter such as Redis Sentinel's runs). The link is the hosts' private network (what PostgreSQL
# and Redis are published on): vps-a and vps-b share a link, vps-c reaches each over a link of its own. Each uplink is
# a /30 from this machine to the host's "public" address (SSH).
declare -A LINK_IP=([vps-a]=10.231.0.10 [vps-b]=10.231.0.20 [vps-c]=10.231.0.30)
declare -A UPLINK_IP=([vps-a]=10.231.1.2 [vps-b]=10.231.1.6 [vps-c]=10.231.1.14)
declare -A UPLINK_GW=([vps-a]=10.231.1.1 [vps-b]=10.231.1.5 [vps-c]=10.231.1.13)
# vps-c's links to vps-a and vps-b: the far end's address, then vps-c's, on a /30 each.
declare -A VOTER_LINK=([vps-a]="10.231.2.1 10.231.2.2" [vps-b]="10.231.2.5 10.231.2.6")
readonly LINK_PREFIX=24 UPLINK_PREFIX=30
# An address that never answers (routed into vps-a and dropped there): an SSH host that is down.
readonly DEAD_IP=10.231.1.9
# Where the suite's S3 stand-in listens (tests/e2e/s3.ts): off both hosts, as a provider's object storage is;
# this machine's end of vps-b's uplink, routed to from vps-a through its own.
readonly S3_IP=10.231.1.5

# Images: Debian 12 (PostgreSQL 15, Redis 7.0) in one image; Debian 13 (PostgreSQL 17, Redis 8.0) in two images
# laid out like the official ones (see official-layout.sh).
# pgBackRest in the PostgreSQL images, as users add it to the official one (docs/backups.md).
readonly BOOKWORM_PACKAGES=postgresql-15,postgresql-client-15,pgbackrest,redis-server,redis-tools,openssl,ca-certificates
readonly TRIXIE_PACKAGES=postgresql-17,postgresql-client-17,pgbackrest,redis-server,redis-tools,openssl,ca-certificates
SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
readonly SCRIPT_DIR

log() { printf '[engine] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

socket_of() { echo "/var/run/synaxic-$1.sock"; }
dk() { local host=$1; shift; docker -H "unix://$(socket_of "$host")" "$@"; }
in_ns() { local host=$1; shift; nsenter --net="/var/run/netns/$host" "$@"; }

debian_mirror() {
  local uri
  uri=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -n 1)
  echo "${uri:-http://deb.debian.org/debian}"
}

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  command -v ssh-agent >/dev/null || missing+=(openssh-client)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v openssl >/dev/null || missing+=(openssl) # the e2e provider issues real certificates with it
  command -v javac >/dev/null || missing+=(default-jdk-headless) # the JVM's view of the app's Redis SSL bundle
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# ---- network ----

make_namespaces() {
  [ -e /var/run/netns/vps-a ] && [ -e /var/run/netns/vps-b ] && [ -e /var/run/netns/vps-c ] && return 0
  log "creating network namespaces ${HOSTS[*]}"
  local host
  for host in "${HOSTS[@]}"; do
    ip netns add "$host" 2>/dev/null || true
    ip -n "$host" link set lo up
    # Uplink: this machine's end is syn-<host>, the host's end is up0.
    ip link add "syn-$host" type veth peer name up0 netns "$host"
    ip addr add "${UPLINK_GW[$host]}/$UPLINK_PREFIX" dev "syn-$host"
    ip link set "syn-$host" up
    ip -n "$host" addr add "${UPLINK_IP[$host]}/$UPLINK_PREFIX" dev up0
    ip -n "$host" link set up0 up
  done
  # The private link between the database hosts.
  ip -n vps-a link add link0 type veth peer name link0 netns vps-b
  for host in vps-a vps-b; do
    ip -n "$host" addr add "${LINK_IP[$host]}/$LINK_PREFIX" dev link0
    ip -n "$host" link set link0 up
  done
  # vps-c: its private address on its loopback, and a link to each database host routing to it.
  ip -n vps-c addr add "${LINK_IP[vps-c]}/32" dev lo
  local far near
  for host in vps-a vps-b; do
    read -r far near <<<"${VOTER_LINK[$host]}"
    ip -n vps-c link add "to-$host" type veth peer name to-vps-c netns "$host"
    ip -n vps-c addr add "$near/$UPLINK_PREFIX" dev "to-$host"
    ip -n "$host" addr add "$far/$UPLINK_PREFIX" dev to-vps-c
    ip -n vps-c link set "to-$host" up
    ip -n "$host" link set to-vps-c up
    ip -n vps-c route replace "${LINK_IP[$host]}/32" via "$far"
    ip -n "$host" route replace "${LINK_IP[vps-c]}/32" via "$near"
  done
  for host in "${HOSTS[@]}"; do
    # This machine reaches each host's private address through its uplink (the app sits on the private network).
    ip route replace "${LINK_IP[$host]}/32" via "${UPLINK_IP[$host]}"
  done
  # No default route inside the hosts: nothing in them can reach any address but each other and this machine.
  ip -n vps-a route replace "$S3_IP/32" via "${UPLINK_GW[vps-a]}"
  ip route replace "$DEAD_IP/32" via "${UPLINK_IP[vps-a]}"
  in_ns vps-a iptables -t raw -I PREROUTING -d "$DEAD_IP" -j DROP
}

remove_namespaces() {
  local host
  for host in "${HOSTS[@]}"; do
    ip route del "${LINK_IP[$host]}/32" 2>/dev/null || true
    ip route del "$DEAD_IP/32" 2>/dev/null || true
    ip link del "syn-$host" 2>/dev/null || true
    ip netns del "$host" 2>/dev/null || true
  done
}

# ---- engines ----

engine_up() { dk "$1" info >/dev/null 2>&1; }

start_dockerd() {
  local host=$1
  engine_up "$host" && return 0
  log "starting dockerd on $host"
  mkdir -p "$DATA_DIR/$host/docker" "$STATE_DIR/$host"
  # Each engine has its own root, exec root, socket and pid file; iptables and the bridge are the namespace's.
  # SYNAXIC_E2E_USERLAND_PROXY=false runs the engines without docker-proxy (docs/deploy.md: published ports and firewalls).
  in_ns "$host" nohup dockerd --storage-driver=overlay2 \
    --data-root "$DATA_DIR/$host/docker" --exec-root "/var/run/synaxic-$host" \
    -H "unix://$(socket_of "$host")" --pidfile "$STATE_DIR/$host/dockerd.pid" \
    --userland-proxy="${SYNAXIC_E2E_USERLAND_PROXY:-true}" \
    >"$STATE_DIR/$host/dockerd.log" 2>&1 &
  local tries=120
  until engine_up "$host"; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { tail -n 30 "$STATE_DIR/$host/dockerd.log" >&2; die "dockerd on $host did not start"; }
    sleep 0.5
  done
}

stop_pidfile() {
  [ -f "$1" ] || return 0
  local pid tries=40
  pid=$(cat "$1")
  kill "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && [ "$tries" -gt 0 ]; do sleep 0.25; tries=$((tries - 1)); done
  rm -f "$1"
}

# ---- SSH ----

# The operator's key (this machine's), and each host's own host key. The client key is what users hand to
# sshPrivateKey or load into their agent.
make_keys() {
  [ -f "$STATE_DIR/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C synaxic-e2e-operator -f "$STATE_DIR/id_ed25519"
  local host
  for host in "${HOSTS[@]}"; do
    mkdir -p "$STATE_DIR/$host"
    [ -f "$STATE_DIR/$host/ssh_host_ed25519_key" ] \
      || ssh-keygen -q -t ed25519 -N '' -C "$host" -f "$STATE_DIR/$host/ssh_host_ed25519_key"
    install -m 0600 "$STATE_DIR/id_ed25519.pub" "$STATE_DIR/$host/authorized_keys"
  done
}

# The operator's SSH agent holding the operator's key (the e2e replica stack authenticates with it).
start_agent() {
  local sock=$STATE_DIR/agent.sock
  SSH_AUTH_SOCK=$sock ssh-add -l >/dev/null 2>&1 && return 0
  rm -f "$sock"
  ssh-agent -a "$sock" >/dev/null
  SSH_AUTH_SOCK=$sock ssh-add -q "$STATE_DIR/id_ed25519"
}

stop_agent() {
  pkill -f "ssh-agent -a $STATE_DIR/agent.sock" 2>/dev/null || true
  rm -f "$STATE_DIR/agent.sock"
}

start_sshd() {
  local host=$1 conf="$STATE_DIR/$1/sshd_config"
  [ -f "$STATE_DIR/$host/sshd.pid" ] && kill -0 "$(cat "$STATE_DIR/$host/sshd.pid")" 2>/dev/null && return 0
  log "starting sshd on $host (${UPLINK_IP[$host]}:22)"
  mkdir -p /run/sshd
  cat >"$conf" <<EOF
ListenAddress ${UPLINK_IP[$host]}:22
HostKey $STATE_DIR/$host/ssh_host_ed25519_key
AuthorizedKeysFile $STATE_DIR/$host/authorized_keys
PidFile $STATE_DIR/$host/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
# The host's own engine for 'docker' in every session (and so for 'docker -H ssh://' from the workstation).
SetEnv DOCKER_HOST=unix://$(socket_of "$host")
EOF
  in_ns "$host" /usr/sbin/sshd -f "$conf" -E "$STATE_DIR/$host/sshd.log"
  local tries=40
  until [ -s "$STATE_DIR/$host/sshd.pid" ]; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { cat "$STATE_DIR/$host/sshd.log" >&2; die "sshd on $host did not start"; }
    sleep 0.25
  done
}

# ---- images ----

recipe_tag() { echo "$1:$(printf '%s' "$2" | sha256sum | cut -c1-12)"; }

debootstrap_import() { # <suite> <packages> <tag>
  local root
  root=$(mktemp -d /var/tmp/synaxic-rootfs.XXXXXX)
  log "building $3 with debootstrap $1 ($2)"
  debootstrap --variant=minbase --include="$2" "$1" "$root" "$(debian_mirror)" >"$STATE_DIR/debootstrap-$1.log" 2>&1 \
    || { tail -n 30 "$STATE_DIR/debootstrap-$1.log" >&2; rm -rf "$root"; die "debootstrap $1 failed"; }
  # Debian's package creates a 'main' cluster; our entrypoint makes its own in the data volume.
  rm -rf "$root"/var/lib/postgresql/* "$root"/etc/postgresql/* "$root"/var/cache/apt/archives/*.deb
  tar -C "$root" -c . | dk vps-a import --change 'ENV LANG=C.UTF-8' - "$3" >/dev/null
  rm -rf "$root"
}

has_image() { dk "$1" image inspect "$2" >/dev/null 2>&1; }

# Debian 12's Prometheus, Alertmanager and exporters, each in an image laid out as upstream's (official-layout.sh),
# tagged with the Debian version they carry.
readonly MONITORING_PACKAGES=(prometheus prometheus-alertmanager prometheus-postgres-exporter prometheus-redis-exporter prometheus-node-exporter)
readonly MONITORING_KINDS=(prometheus alertmanager postgres-exporter redis-exporter node-exporter)
readonly MONITORING_IMAGES=(synaxic-test/prometheus:2.42 synaxic-test/alertmanager:0.25 synaxic-test/postgres-exporter:0.11
  synaxic-test/redis-exporter:1.45 synaxic-test/node-exporter:1.5)

# Debian's monitoring packages unpacked into a new folder (a build context holding usr/bin); prints its path.
monitoring_binaries() {
  local context deb
  context=$(mktemp -d /var/tmp/synaxic-monitoring.XXXXXX)
  log "downloading ${MONITORING_PACKAGES[*]}"
  (cd "$context" && apt-get download "${MONITORING_PACKAGES[@]}" >/dev/null 2>&1) \
    || { apt-get update -qq && (cd "$context" && apt-get download "${MONITORING_PACKAGES[@]}" >/dev/null); } \
    || die "cannot download Debian's monitoring packages"
  for deb in "$context"/*.deb; do dpkg-deb -x "$deb" "$context"; done
  echo "$context"
}

build_monitoring_images() { # <bookworm base image>
  local layout versions context="" tag i
  layout=$(sha256sum "$SCRIPT_DIR/official-layout.sh" | cut -c1-12)
  versions=$(apt-cache policy "${MONITORING_PACKAGES[@]}" | sed -n 's/^ *Candidate: //p' | tr '\n' ' ')
  for i in "${!MONITORING_KINDS[@]}"; do
    tag=$(recipe_tag "synaxic-test/${MONITORING_KINDS[$i]}-official" "$1 $layout $versions")
    if ! has_image vps-a "$tag"; then
      [ -n "$context" ] || context=$(monitoring_binaries)
      log "building $tag (upstream ${MONITORING_KINDS[$i]} layout)"
      bash "$SCRIPT_DIR/official-layout.sh" dockerfile "${MONITORING_KINDS[$i]}" "$1" \
        | DOCKER_BUILDKIT=0 dk vps-a build -q -t "$tag" -f - "$context" >/dev/null 2>"$STATE_DIR/build-${MONITORING_KINDS[$i]}.log" \
        || { cat "$STATE_DIR/build-${MONITORING_KINDS[$i]}.log" >&2; die "building $tag failed"; }
    fi
    dk vps-a tag "$tag" "${MONITORING_IMAGES[$i]}"
  done
  if [ -n "$context" ]; then rm -rf "$context"; fi
}

build_images() {
  # Debian 12: one image for both services (PostgreSQL 15, Redis 7.0), Debian's own layout.
  local bookworm
  bookworm=$(recipe_tag synaxic-test/debian12 "v1 bookworm $BOOKWORM_PACKAGES")
  has_image vps-a "$bookworm" || debootstrap_import bookworm "$BOOKWORM_PACKAGES" "$bookworm"
  dk vps-a tag "$bookworm" synaxic-test/postgres:15
  dk vps-a tag "$bookworm" synaxic-test/redis:7.0
  # Debian 13: a base, then the official images' layout on top (uid 999 users, PATH, PGDATA, /data, STOPSIGNAL).
  local layout trixie_base pg17 redis8 service tag
  layout=$(sha256sum "$SCRIPT_DIR/official-layout.sh" | cut -c1-12)
  trixie_base=$(recipe_tag synaxic-test/debian13 "v1 trixie $TRIXIE_PACKAGES")
  pg17=$(recipe_tag synaxic-test/postgres-official "$trixie_base $layout postgres")
  redis8=$(recipe_tag synaxic-test/redis-official "$trixie_base $layout redis")
  if ! has_image vps-a "$pg17" || ! has_image vps-a "$redis8"; then
    has_image vps-a "$trixie_base" || debootstrap_import trixie "$TRIXIE_PACKAGES" "$trixie_base"
    for service in postgres redis; do
      tag=$([ "$service" = postgres ] && echo "$pg17" || echo "$redis8")
      log "building $tag (official $service layout)"
      bash "$SCRIPT_DIR/official-layout.sh" dockerfile "$service" "$trixie_base" \
        | DOCKER_BUILDKIT=0 dk vps-a build -q -t "$tag" -f - "$SCRIPT_DIR" >/dev/null 2>"$STATE_DIR/build-$service.log" \
        || { cat "$STATE_DIR/build-$service.log" >&2; die "building $tag failed"; }
    done
  fi
  dk vps-a tag "$pg17" synaxic-test/postgres:17
  dk vps-a tag "$redis8" synaxic-test/redis:8.0
  build_monitoring_images "$bookworm"
  local image
  for image in synaxic-test/postgres:15 synaxic-test/redis:7.0 synaxic-test/postgres:17 synaxic-test/redis:8.0 \
    "${MONITORING_IMAGES[@]}"; do
    copy_image vps-b "$image"
  done
  # The third machine runs Redis Sentinel only.
  for image in synaxic-test/redis:7.0 synaxic-test/redis:8.0; do copy_image vps-c "$image"; done
}

copy_image() { # <host> <image>
  if [ "$(dk "$1" image inspect -f '{{.Id}}' "$2" 2>/dev/null)" != "$(dk vps-a image inspect -f '{{.Id}}' "$2")" ]; then
    log "loading $2 into $1"
    dk vps-a save "$2" | dk "$1" load -q >/dev/null
  fi
}

# One KEY=value a line (values hold no newline), read by tools/test-hosts/hosts.ts.
print_env() {
  local host var
  for host in "${HOSTS[@]}"; do
    var=${host//-/_}
    var=${var^^}
    printf '%s_SOCKET=%s\n' "$var" "$(socket_of "$host")"
    printf '%s_LINK_IP=%s\n' "$var" "${LINK_IP[$host]}"
    printf '%s_SSH_IP=%s\n' "$var" "${UPLINK_IP[$host]}"
    printf '%s_HOST_KEY=%s\n' "$var" "$(cut -d' ' -f1-2 "$STATE_DIR/$host/ssh_host_ed25519_key.pub")"
  done
  printf 'SSH_KEY_FILE=%s\nSSH_AGENT_SOCK=%s\nDEAD_IP=%s\nS3_IP=%s\n' "$STATE_DIR/id_ed25519" "$STATE_DIR/agent.sock" "$DEAD_IP" "$S3_IP"
}

up() {
  mkdir -p "$STATE_DIR" "$DATA_DIR"
  chmod 0700 "$STATE_DIR"
  install_packages
  make_namespaces
  make_keys
  start_agent
  local host
  for host in "${HOSTS[@]}"; do
    start_dockerd "$host"
    start_sshd "$host"
  done
  build_images
}

stop() {
  local host
  for host in "${HOSTS[@]}"; do
    stop_pidfile "$STATE_DIR/$host/sshd.pid"
    stop_pidfile "$STATE_DIR/$host/dockerd.pid"
  done
  remove_namespaces
  stop_agent
}

main() {
  case "${1:-up}" in
    up) up ;;
    env) print_env ;;
    stop) stop ;;
    *) echo "usage: engine.sh [up|env|stop]" >&2; exit 2 ;;
  esac
}

main "$@"
