# shellcheck shell=bash
# Host-side helpers for our containers, read on stdin ahead of the script that uses them (wait-ready, apply-live).
# Failures say why and print the container's last log lines (our services never log a secret), so `pulumi up`
# fails with the cause instead of a bare timeout.

fail_with_logs() { # <container> <why>
  echo "synaxic: container $1 $2. Its last log lines:" >&2
  docker logs --tail 40 "$1" 2>&1 | sed 's/^/  | /' >&2
  exit 1
}

# Until <check...> succeeds inside the container, every 0.2 s (Docker's own health interval would add seconds).
wait_ready() { # <container> <timeout s> <check command...>
  local container=$1 timeout=$2 state started=$SECONDS
  shift 2
  while :; do
    state=$(docker inspect -f '{{.State.Status}}' "$container" 2>/dev/null) || fail_with_logs "$container" "does not exist"
    [ "$state" = running ] || fail_with_logs "$container" "is not running (state: $state)"
    if docker exec "$container" "$@" >/dev/null 2>&1; then
      echo "synaxic: $container ready after $((SECONDS - started)) s"
      return 0
    fi
    [ $((SECONDS - started)) -lt "$timeout" ] || fail_with_logs "$container" "did not become ready within $timeout s"
    sleep 0.2
  done
}
