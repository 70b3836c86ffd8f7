#!/bin/bash
# `synaxic-backup` inside the repository container (docker exec <container> synaxic-backup ...):
#   init               create the stanza (idempotent), check archiving end to end, take a first full backup in each
#                      repository that has none
#   run full|diff|incr take a backup now, to each repository (repo1 here, repo2 in S3 when configured)
#   info               the repositories' backups and WAL, as pgbackrest prints them (--output=json with json)
#   drill [--repo N] [--timeout S] [TARGET [DATABASE SQL]]
#                      restore the latest backup (or to TARGET, a time with its zone) into a scratch directory here,
#                      start a throw-away server on it (no network), replay to the target, print what it recovered,
#                      how long it took and SQL's result in DATABASE, then remove it, whether it passed or failed.
#                      Needs room for one copy. --repo 2 restores from the S3 repository alone (the first with a
#                      backup otherwise). --timeout: seconds the server may take to start, and then to replay to the
#                      target (default 3600 each, what the primary's own restore waits to start).
set -Eeuo pipefail
# shellcheck source=../scripts/entrypoint-lib.sh
source /usr/local/lib/synaxic/entrypoint-lib.sh
SYNAXIC_SERVICE=backup
# shellcheck source=/dev/null
source /etc/synaxic/backup/schedule.env

pgbr() {
  if [ "$(id -u)" = 0 ]; then run_as postgres pgbackrest --stanza="$STANZA" "$@"; else pgbackrest --stanza="$STANZA" "$@"; fi
}

# The replicas' database hosts (pg2, pg3, ...) reset away: the first up of the master stack creates the repository
# while no replica stack exists yet, and `check` fails on a host that does not answer. Backups use them all.
primary_only() {
  sed -n 's/^\(pg\([2-9]\|[1-9][0-9]\)-[a-z-]*\)=.*/--reset-\1/p' /etc/pgbackrest/pgbackrest.conf
}

# What a repository holds under <path> is info files alone (no backup, no WAL).
only_info_files() { # <repo> <path>
  local entry listing
  listing=$(pgbr --repo="$1" repo-ls --recurse "$2") || return 1
  while read -r entry; do
    case "$entry" in '' | archive.info | archive.info.copy | backup.info | backup.info.copy) ;; *) return 1 ;; esac
  done <<<"$listing"
}

# A stanza-create cut off half-way (the container killed between its two info files) leaves one without the other,
# which every later stanza-create refuses as corruption. Where the stanza holds no backup and no WAL there is nothing
# to lose: it is deleted with pgBackRest's stanza-delete and made again. Anything more is left for a person to see.
clear_cut_off_stanza() {
  local repo
  for repo in $(repositories); do
    if ! only_info_files "$repo" "archive/$STANZA" || ! only_info_files "$repo" "backup/$STANZA"; then continue; fi
    log "repo$repo holds stanza $STANZA's info files alone (a create cut off half-way): deleting it to create it again"
    pgbr stop
    pgbr "${PRIMARY_ONLY[@]}" --repo="$repo" --force stanza-delete || { pgbr start; return 1; }
    # stanza-delete removes the stop file itself; start only makes sure.
    pgbr --log-level-stderr=error start
  done
}

# The primary may still be starting, or its pgBackRest server not yet listening: a few tries, then its message.
create_stanza() {
  local tries=10 out cleared=no
  until out=$(pgbr "${PRIMARY_ONLY[@]}" stanza-create 2>&1); do
    if [ "$cleared" = no ] && grep -q 'ERROR: \[055\]' <<<"$out"; then
      cleared=yes
      clear_cut_off_stanza && continue
    fi
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { printf '%s\n' "$out" >&2; die "stanza $STANZA could not be created (pgBackRest's message above): the primary's pgBackRest server must be reachable (port backupPort on the master host), and a repository that holds a stanza already must hold it whole"; }
    sleep 2
  done
}

readonly DRILL=/var/tmp/synaxic-drill
DRILL_REPO=()
DRILL_TIMEOUT=3600

drill_sql() { run_as postgres psql -X -Atq -h "$DRILL" -p 5499 -U postgres -d "$1" -c "$2"; }

drill_cleanup() {
  run_as postgres pg_ctl -D "$DRILL/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DRILL"
}

# The backup host restores its own repository: the data is readable, the archive replays, the server starts.
drill() {
  local target=${1:-latest} database=${2:-postgres} sql=${3:-} started
  add_postgres_bin_to_path
  started=$(date +%s%N)
  drill_cleanup
  trap drill_cleanup EXIT
  # Interrupted (docker exec ended), it still stops its server and removes the copy.
  trap 'exit 130' INT TERM
  install -d -o postgres -g postgres -m 0700 "$DRILL" "$DRILL/data"
  local -a options=()
  [ "$target" = latest ] || options=(--type=time "--target=$target" --target-action=promote)
  pgbr --reset-pg1-host --pg1-path="$DRILL/data" restore "${DRILL_REPO[@]}" "${options[@]}" --log-level-console=warn
  printf 'local all all trust\n' >"$DRILL/hba.conf"
  chown postgres:postgres "$DRILL/hba.conf"
  run_as postgres pg_ctl -D "$DRILL/data" -w -t "$DRILL_TIMEOUT" -l "$DRILL/server.log" -o \
    "-c port=5499 -c listen_addresses='' -c unix_socket_directories=$DRILL -c hba_file=$DRILL/hba.conf -c archive_mode=off -c ssl=off -c config_file=$DRILL/data/postgresql.conf" \
    start >/dev/null || { tail -n 20 "$DRILL/server.log" >&2; die "the restored cluster did not start (log above)"; }
  wait_until_promoted "$DRILL/data" "$DRILL" 5499 "$DRILL/server.log" "$DRILL_TIMEOUT" \
    "replaying to $target needs every WAL file from the backup to it in the repository (synaxic-backup info: the archive's min and max); a longer replay: drill --timeout <seconds>"
  local seconds
  seconds=$(( ($(date +%s%N) - started) / 1000000 ))
  echo "restored: $target"
  echo "size: $(du -sh "$DRILL/data" | cut -f1)"
  echo "seconds: $((seconds / 1000)).$(printf '%03d' $((seconds % 1000)))"
  local last
  last=$(sed -n 's/.*last completed transaction was at log time \(.*\)$/\1/p' "$DRILL/server.log" | tail -n 1)
  echo "last transaction: ${last:-none replayed after the backup}"
  echo "timeline: $(drill_sql postgres 'SELECT timeline_id FROM pg_control_checkpoint()')"
  if [ -n "$sql" ]; then echo "result: $(drill_sql "$database" "$sql")"; fi
}

# The repositories: 1 on this host's volume, 2 in S3 when backupS3Endpoint is set.
repositories() { sed -n 's/^repo\([0-9]\+\)-\(path\|type\)=.*/\1/p' /etc/pgbackrest/pgbackrest.conf | sort -un; }

has_backup() { pgbr info --repo="$1" --output=json | grep -q '"label"'; }

# A backup to every repository; one that fails (S3 away) does not keep the others from theirs, and fails the run.
backup_everywhere() { # <full|diff|incr> [option...]
  local kind=$1 repo failed=0
  shift
  for repo in $(repositories); do
    pgbr "$@" backup --repo="$repo" --type="$kind" || { log "the $kind backup to repo$repo failed"; failed=1; }
  done
  return "$failed"
}

init() {
  mapfile -t PRIMARY_ONLY < <(primary_only)
  create_stanza
  # A WAL switch archived and found in every repository: archiving works end to end.
  pgbr "${PRIMARY_ONLY[@]}" check
  local repo
  for repo in $(repositories); do
    if has_backup "$repo"; then
      log "repo$repo holds backups already: none taken now"
    else
      log "first full backup to repo$repo"
      pgbr "${PRIMARY_ONLY[@]}" backup --repo="$repo" --type=full
    fi
  done
}

main() {
  case "${1:-}" in
    init) init ;;
    run)
      case "${2:-}" in full|diff|incr) ;; *) die "usage: synaxic-backup run full|diff|incr" ;; esac
      backup_everywhere "$2"
      ;;
    info) if [ "${2:-}" = json ]; then pgbr info --output=json; else pgbr info; fi ;;
    drill)
      shift
      while [[ ${1:-} == --* ]]; do
        [ "$#" -ge 2 ] || die "drill $1 needs a value"
        case "$1" in
          --repo) DRILL_REPO=(--repo="$2") ;;
          --timeout)
            [[ $2 =~ ^[1-9][0-9]*$ ]] || die "drill --timeout takes whole seconds (got '$2')"
            DRILL_TIMEOUT=$2
            ;;
          *) die "drill takes --repo N and --timeout S (got $1)" ;;
        esac
        shift 2
      done
      drill "${1:-latest}" "${2:-postgres}" "${3:-}"
      ;;
    *) die "usage: synaxic-backup init | run full|diff|incr | info [json] | drill [--repo N] [--timeout S] [target [database sql]]" ;;
  esac
}

main "$@"
