# shellcheck shell=bash
# Host-side helpers for our containers, read on stdin ahead of the script that uses them (wait-ready, apply-live).
# Failures say why and print the container's last log lines (our services never log a secret), so `pulumi up`
# fails with the cause instead of a bare timeout.

fail_with_logs() { # <container> <why>
  echo "synaxic: container $1 $2. Its last log lines:" >&2
  docker logs --tail 40 "$1" 2>&1 | sed 's/^/  | /' >&2
  exit 1
}

# `sh -c` script: <check...> every 0.1 s until it succeeds, for 5 s at most.
# shellcheck disable=SC2016
readonly TRY_FOR_5S='end=$(($(date +%s) + 5)); until "$@"; do [ "$(date +%s)" -lt "$end" ] || exit 1; sleep 0.1; done'

# One try of up to 5 s inside the container: a docker exec per check would cost the host more than the check does
# while the service starts. A container without sh (an image from scratch) is asked once per exec.
try_ready() { # <container> <check command...>
  local container=$1 status=0
  shift
  docker exec "$container" sh -c "$TRY_FOR_5S" sh "$@" >/dev/null 2>&1 || status=$?
  case "$status" in
    126 | 127) docker exec "$container" "$@" >/dev/null 2>&1 ;;
    *) return "$status" ;;
  esac
}

# Until <check...> succeeds inside the container, within 0.1 s of it (Docker's own health interval would add
# seconds); a container that stops ends the wait with its logs.
wait_ready() { # <container> <timeout s> <check command...>
  local container=$1 timeout=$2 state started=$SECONDS
  shift 2
  while :; do
    state=$(docker inspect -f '{{.State.Status}}' "$container" 2>/dev/null) || fail_with_logs "$container" "does not exist"
    [ "$state" = running ] || fail_with_logs "$container" "is not running (state: $state)"
    if try_ready "$container" "$@"; then
      echo "synaxic: $container ready after $((SECONDS - started)) s"
      return 0
    fi
    [ $((SECONDS - started)) -lt "$timeout" ] || fail_with_logs "$container" "did not become ready within $timeout s"
    sleep 0.1
  done
}
