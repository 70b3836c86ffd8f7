# shellcheck shell=bash
# The leader check, on a database host before an up changes anything of its PostgreSQL or Redis. Run as `bash -s`
# with this text on stdin after the variables below (rendered by the program; the password never reaches a command
# line):
#   CONTAINER IMAGE NETWORK  this host's PostgreSQL container, its image and network (the other hosts are asked
#                            from a throw-away container there, as this host's PostgreSQL reaches them)
#   HOSTS   one line per database host, this host first: <label> TAB <address> TAB <port> TAB <the setting that
#           records that it leads>
#   LEADER  the line (from 0) of the host this stack's settings make lead
#   CONFIG_SAYS IF_MEANT COMMIT  the words of a refusal
#   REPLICATION_USER REPLICATION_PASSWORD CA_PEM  how the other hosts are asked (IDENTIFY_SYSTEM and in_hot_standby
#                            over a replication connection, as the entrypoint asks its peers)
#   CHANGE  a digest of what the resources it guards put on the host (not read: a new value runs the check again)
#   LIB     the text of entrypoint-lib.sh
# Each host's PostgreSQL answers "primary <timeline>" or "standby", or nothing. The up goes on when none answers as a
# primary (a first deployment; a failover past a fenced primary, which the fencing rules decide), or when the host
# the settings make lead is the only primary on the latest timeline (a primary on an earlier one is an old primary the
# rejoin takes care of). Otherwise the settings disagree with the hosts, and it fails with both named, before anything
# on this host is changed.
set -Eeuo pipefail
eval "$LIB"
# Read by log() from the library evaluated above.
# shellcheck disable=SC2034
SYNAXIC_SERVICE=leader-check

LABELS=() ADDRESSES=() PORTS=() RECORDS=()
while IFS=$'\t' read -r label address port record; do
  LABELS+=("$label") ADDRESSES+=("$address") PORTS+=("$port") RECORDS+=("$record")
done <<<"$HOSTS"
readonly LABELS ADDRESSES PORTS RECORDS

# pg_walfile_name's first 8 hex digits: the timeline a primary writes on now (the checkpoint's may still be older).
readonly OWN_SQL="SELECT CASE WHEN pg_is_in_recovery() THEN 'standby' ELSE 'primary ' || ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END"

# This host's PostgreSQL, in its container: "0 primary <timeline>" or "0 standby"; nothing when it does not answer.
own_answer() {
  local answer
  [ "$(docker inspect -f '{{.State.Running}}' "$CONTAINER" 2>/dev/null)" = true ] || return 0
  answer=$(docker exec "$CONTAINER" psql -X -At -h /var/run/postgresql -U postgres -d postgres -c "$OWN_SQL" 2>/dev/null) \
    || return 0
  echo "0 $answer"
}

# Inside the throw-away container: "<line> primary <timeline>" or "<line> standby" for each other host that answers.
ask_peers_in_container() {
  set -Eeuo pipefail
  add_postgres_bin_to_path
  local work i answer timeline standby
  work=$(mktemp -d)
  printf '%s\n' "$CA_PEM" >"$work/ca.crt"
  for i in "${!ADDRESSES[@]}"; do
    [ "$i" -eq 0 ] || printf '%s:%s:*:%s:%s\n' "$(pgpass_field "${ADDRESSES[$i]}")" "${PORTS[$i]}" \
      "$(pgpass_field "$REPLICATION_USER")" "$(pgpass_field "$REPLICATION_PASSWORD")"
  done >"$work/pgpass"
  chmod 0600 "$work/pgpass"
  for i in "${!ADDRESSES[@]}"; do
    [ "$i" -gt 0 ] || continue
    answer=$(psql -X -At -F ' ' -w -c IDENTIFY_SYSTEM -c 'SHOW in_hot_standby' \
      "host=${ADDRESSES[$i]} port=${PORTS[$i]} user=$REPLICATION_USER replication=true connect_timeout=3 sslmode=verify-full sslrootcert=$work/ca.crt passfile=$work/pgpass" \
      2>/dev/null) || continue
    { read -r _ timeline _ && read -r standby; } <<<"$answer" || continue
    if [ "$standby" = off ]; then echo "$i primary $timeline"; else echo "$i standby"; fi
  done
  rm -rf "$work"
}

peer_answers() {
  [ "${#ADDRESSES[@]}" -gt 1 ] || return 0
  {
    declare -p ADDRESSES PORTS REPLICATION_USER REPLICATION_PASSWORD CA_PEM
    declare -f log die add_postgres_bin_to_path pgpass_field ask_peers_in_container
    echo ask_peers_in_container
  } | docker run -i --rm --network "$NETWORK" --entrypoint bash "$IMAGE" -s \
    || die "could not ask the other hosts from a container of $IMAGE on network $NETWORK (above): nothing on this host was changed"
}

# What a host's PostgreSQL said, for the messages.
described() { # <line>
  case "${STATES[$1]:-}" in
    primary) echo "is a primary on timeline ${TIMELINES[$1]}" ;;
    standby) echo "is a standby" ;;
    *) echo "does not answer" ;;
  esac
}

refuse() { # <line of the host that leads>
  local live=$1
  die "the leader check refused this up; nothing on this host was changed: ${LABELS[$live]} leads (a primary on" \
    "timeline ${TIMELINES[$live]}) and ${LABELS[$LEADER]} $(described "$LEADER"), but $CONFIG_SAYS. If these settings" \
    "are older than the hosts (a switchover or failover made on another machine and not committed), commit those" \
    "($COMMIT), or record the lead where it is: ${RECORDS[$live]}. If this is the change you mean: $IF_MEANT" \
    "(docs/failover.md)"
}

main() {
  local facts i state timeline top=0
  facts=$(own_answer; peer_answers)
  STATES=() TIMELINES=()
  while read -r i state timeline; do
    # A primary without a readable timeline tells nothing about who leads: taken as no answer.
    [ -n "$i" ] || continue
    [ "$state" != primary ] || [[ $timeline =~ ^[0-9]+$ ]] || continue
    STATES[i]=$state
    TIMELINES[i]=${timeline:-}
  done <<<"$facts"
  for i in "${!LABELS[@]}"; do
    log "${LABELS[$i]} $(described "$i")"
    [ "${STATES[$i]:-}" != primary ] || [ "${TIMELINES[$i]}" -le "$top" ] || top=${TIMELINES[$i]}
  done
  local -a leading=()
  for i in "${!LABELS[@]}"; do
    [ "${STATES[$i]:-}" != primary ] || [ "${TIMELINES[$i]}" -ne "$top" ] || leading+=("$i")
  done
  if [ "${#leading[@]}" -eq 0 ]; then
    log "no PostgreSQL answers as a primary: nothing contradicts the settings, which make ${LABELS[$LEADER]} lead"
  elif [ "${#leading[@]}" -gt 1 ]; then
    die "the leader check refused this up; nothing on this host was changed: ${LABELS[${leading[0]}]} and" \
      "${LABELS[${leading[1]}]} both answer as primaries on timeline $top. Fence the one that must not lead (docs/failover.md:" \
      "its containers stopped with their restart policy off), then run pulumi up again"
  elif [ "${leading[0]}" != "$LEADER" ]; then
    refuse "${leading[0]}"
  else
    log "${LABELS[$LEADER]} leads, as the settings say"
  fi
}

main
