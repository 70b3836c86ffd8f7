# shellcheck shell=bash
# Run a command in one of our containers once it serves, on its host: `bash -s -- <container> <timeout s> <check...>
# -- <command...>` with ready-lib.sh and then this text on stdin. The wait happens in this same SSH session, and a
# container that stops or never serves fails the command with its own log lines, not with a bare docker exec error.
set -Eeuo pipefail
readonly CONTAINER=$1 TIMEOUT=$2
shift 2
check=()
while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
  check+=("$1")
  shift
done
[ "$#" -gt 1 ] || { echo "usage: when-ready.sh <container> <timeout s> <check...> -- <command...>" >&2; exit 2; }
shift
wait_ready "$CONTAINER" "$TIMEOUT" "${check[@]}" >/dev/null
docker exec "$CONTAINER" "$@"
