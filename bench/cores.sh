#!/bin/bash
# The test hosts' CPU apart from the operator's, as on a real deployment where `pulumi up` runs on another machine:
#   bench/cores.sh split <pid>   every process in the hosts' network namespaces (dockerd, containerd, sshd, and all
#                                they start from then on) on the last core; <pid> (the bench, and all it starts:
#                                the ups, the SSH clients) on the other cores
#   bench/cores.sh join <pid>    every core for all of them again (containers started meanwhile keep theirs until
#                                they are removed)
set -Eeuo pipefail
readonly NAMESPACES=(vps-a vps-b vps-c)
readonly LAST=$(($(nproc --all) - 1))

pin() { # <cpu list> <pid...>
  local cpus=$1 pid
  shift
  # A process may exit between the listing and here.
  for pid in "$@"; do taskset -a -p -c "$cpus" "$pid" >/dev/null 2>&1 || true; done
}

host_pids() { local ns; for ns in "${NAMESPACES[@]}"; do ip netns pids "$ns"; done; }

[ "$LAST" -ge 1 ] || { echo "bench/cores.sh: needs two cores at least" >&2; exit 2; }
mapfile -t pids < <(host_pids)
case "${1:-}" in
  split)
    pin "$LAST" "${pids[@]}"
    pin "0-$((LAST - 1))" "$2"
    ;;
  join) pin "0-$LAST" "${pids[@]}" "$2" ;;
  *) echo "usage: bench/cores.sh split|join <pid>" >&2; exit 2 ;;
esac
