# shellcheck shell=bash
# Apply a container's changed live files, on its host, once it serves: `bash -s -- <name=hash,...> <container>
# <timeout s> <check...>` (the rendered files' hashes, then what wait_ready takes) with the variables of write-live.sh,
# ready-lib.sh and write-live.sh's text, then this text on stdin. The files are written first where the volume does
# not hold them (one refused earlier was put back), so every run converges on the rendered files. A container
# restarting in a loop (a file an older release let through) is restarted at once on the files just written, not
# after Docker's back-off. The container's synaxic-apply-live applies what the server can take live (a file it refuses:
# what it ran with is put back and the up fails) and exits 3 when a setting needs a restart: the container is then
# restarted with its own stop signal and timeout (a clean shutdown) and waited for.
set -Eeuo pipefail
readonly HASHES=$1
shift

write_live_files
if [ "$(docker inspect -f '{{.State.Status}}' "$CONTAINER" 2>/dev/null)" = restarting ]; then
  echo "synaxic: $CONTAINER is restarting in a loop: started again now, on the files just written"
  docker restart "$CONTAINER" >/dev/null
fi
# A new container is waited for here, in this session, rather than after one of its own.
wait_ready "$@" >/dev/null
status=0
docker exec "$CONTAINER" synaxic-apply-live "$HASHES" || status=$?
case "$status" in
  0) ;;
  3)
    echo "synaxic: restarting $CONTAINER (a clean stop) for the settings that need it"
    docker restart "$CONTAINER" >/dev/null
    wait_ready "$@"
    ;;
  *) echo "synaxic: applying the live settings of $CONTAINER failed (above)" >&2; exit 1 ;;
esac
