#!/bin/bash
# `synaxic-apply-live <name>=<hash>,...` (inside a Redis container): apply the live folder the host wrote
# (scripts/write-live.sh): the TLS files copied where Redis reads them (owned by redis) and taken again with CONFIG SET
# tls-cert-file (Redis 6.2 and 7.0.1+ reread every TLS file on it, even under the same name), then the settings of
# redis.conf with CONFIG SET. Exit 0 when everything applied live, 3 when a setting needs a restart (immutable, or
# removed from the file: Redis has no way to reset it live), 1 when a file is not the rendered one or Redis refuses one
# (the files it ran with are then put back and set again).
set -Eeuo pipefail
# shellcheck source=../scripts/entrypoint-lib.sh
source /usr/local/lib/synaxic/entrypoint-lib.sh
SYNAXIC_SERVICE=live-settings
readonly FILE=$LIVE_DIR/redis.conf
readonly TLS=/usr/local/etc/redis/tls

cli() { /usr/local/bin/synaxic-redis-cli "$@"; }

names() { sed -n 's/^\([a-z][a-z0-9-]*\) .*/\1/p' "$1" | sort -u; }

# CONFIG SET of each setting in <file>; prints the names that need a restart, fails at the first value refused.
set_each() { # <file>
  local name value out
  while read -r name value; do
    case "$name" in '' | '#'*) continue ;; esac
    value=${value#\"}
    value=${value%\"}
    out=$(cli CONFIG SET "$name" "$value" 2>&1) || true
    if [ "$out" = OK ]; then continue; fi
    case "$out" in
      *immutable*) echo "$name" ;;
      *) log "CONFIG SET $name refused: $out"; return 1 ;;
    esac
  done <"$1"
}

# Why the live folder's certificates cannot serve (the server's, and the client's a replica presents); nothing if good.
tls_refused() {
  tls_files_refused "$LIVE_DIR/ca.crt" "$LIVE_DIR/redis.crt" "$LIVE_DIR/redis.key"
  [ ! -f "$LIVE_DIR/client.crt" ] || tls_files_refused "$LIVE_DIR/ca.crt" "$LIVE_DIR/client.crt" "$LIVE_DIR/client.key"
}

# The installed TLS files in force: the server's, the CA and a replica's client pair, all read again.
reload_tls() {
  local out
  out=$(cli CONFIG SET tls-cert-file "$TLS/redis.crt" 2>&1) || true
  [ "$out" = OK ] || { log "CONFIG SET tls-cert-file refused: $out"; return 1; }
  serves_certificate 6380 - "$TLS/redis.crt" "$TLS/redis.key" \
    || { log "Redis does not present the new certificate after CONFIG SET tls-cert-file"; return 1; }
}

tls_changed() { grep -qE '[.](crt|key)$' <<<"$1"; }

# The files of this run back as Redis ran with them, and in force again; then the up fails with <why>.
refuse() { # <why> <changed files, one a line>
  # shellcheck disable=SC2086 # names without spaces, one a line
  put_back_live_files $2
  install_live_tls redis "$TLS"
  if tls_changed "$2"; then reload_tls || true; fi
  set_each "$FILE" >/dev/null || true
  die "$1. The files Redis ran with were put back"
}

main() {
  local changed errors immutable removed restart=false
  require_rendered_live_files "${1:-}"
  changed=$(changed_live_files "$1")
  if tls_changed "$changed"; then
    errors=$(tls_refused)
    [ -z "$errors" ] || refuse "the new TLS files cannot serve: $errors" "$changed"
    install_live_tls redis "$TLS"
    reload_tls || refuse "Redis refused the new TLS files (above)" "$changed"
    log "TLS files taken again: $(grep -E '[.](crt|key)$' <<<"$changed" | tr '\n' ' ')"
  fi
  # The settings as Redis last took them: a name they have and the new file lacks needs a restart to go back to its
  # default.
  if [ -f "$LIVE_APPLIED/redis.conf" ]; then
    removed=$(comm -23 <(names "$LIVE_APPLIED/redis.conf") <(names "$FILE") | tr '\n' ' ')
    if [ -n "$removed" ]; then
      log "settings removed: $removed- a restart takes them back to their defaults"
      restart=true
    fi
  fi
  immutable=$(set_each "$FILE") \
    || refuse "Redis refused a value (above); fix it in redisSettings and run pulumi up again" "$changed"
  if [ -n "$immutable" ]; then
    log "cannot change live: $(tr '\n' ' ' <<<"$immutable")"
    restart=true
  fi
  record_applied_live_files
  if $restart; then exit 3; fi
  log "applied: every setting live"
}

main "$@"
