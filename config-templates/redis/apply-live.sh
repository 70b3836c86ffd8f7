#!/bin/bash
# `synaxic-apply-live <hash>` (inside a Redis container): apply /etc/synaxic/live/redis.conf with CONFIG SET.
# Exit 0 when everything applied live, 3 when a setting needs a restart (immutable, or removed from the file: Redis
# has no way to reset it live), 1 when the file is not the rendered one or Redis refuses a value.
set -Eeuo pipefail
# shellcheck source=../scripts/entrypoint-lib.sh
source /usr/local/lib/synaxic/entrypoint-lib.sh
SYNAXIC_SERVICE=live-settings
readonly FILE=/etc/synaxic/live/redis.conf
# The file as last applied: a name it has and the new one lacks needs a restart to go back to its default.
readonly APPLIED=/etc/synaxic/live/redis.conf.applied

names() { sed -n 's/^\([a-z][a-z0-9-]*\) .*/\1/p' "$1" | sort -u; }

# CONFIG SET of each setting in <file>; prints the names that need a restart, fails at the first value refused.
set_each() { # <file>
  local name value out
  while read -r name value; do
    case "$name" in '' | '#'*) continue ;; esac
    value=${value#\"}
    value=${value%\"}
    out=$(/usr/local/bin/synaxic-redis-cli CONFIG SET "$name" "$value" 2>&1) || true
    if [ "$out" = OK ]; then continue; fi
    case "$out" in
      *immutable*) echo "$name" ;;
      *) log "CONFIG SET $name refused: $out"; return 1 ;;
    esac
  done <"$1"
}

main() {
  local actual immutable restart=false
  actual=$(sha256sum "$FILE" | cut -c1-12)
  [ "$actual" = "${1:-}" ] || die "$FILE is $actual, not the rendered ${1:-?}: it was written by something else"
  if [ -f "$APPLIED" ] && [ -n "$(comm -23 <(names "$APPLIED") <(names "$FILE"))" ]; then
    log "settings removed: $(comm -23 <(names "$APPLIED") <(names "$FILE") | tr '\n' ' ')- a restart takes them back to their defaults"
    restart=true
  fi
  if ! immutable=$(set_each "$FILE"); then
    # The previous file back in place and in force: a restart never meets the refused one.
    if [ -f "$FILE.prev" ]; then
      mv "$FILE" "$FILE.refused"
      cp -p "$FILE.prev" "$FILE"
      set_each "$FILE" >/dev/null || true
    fi
    die "Redis refused a value (above). The previous settings were put back; fix it in redisSettings and run pulumi up again"
  fi
  if [ -n "$immutable" ]; then
    log "cannot change live: $(tr '\n' ' ' <<<"$immutable")"
    restart=true
  fi
  cp "$FILE" "$APPLIED"
  if $restart; then exit 3; fi
  log "applied: every setting live"
}

main "$@"
