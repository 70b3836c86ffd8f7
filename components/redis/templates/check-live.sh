# shellcheck shell=bash
# Inside the Redis image (the running container, or a throw-away one): would the server start with the live settings
# on stdin? A throw-away redis-server reads them as a start does (no port, an empty folder of its own, nothing saved)
# and is stopped once it serves; a value it refuses ends it at once with its message. Fails with that message.
set -Eeuo pipefail
# Exit 2: the image cannot check anything (it has no Redis).
command -v redis-server >/dev/null || { echo "no redis-server in this image" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
cat >"$work/live.conf"
pid=
redis-server "$work/live.conf" --port 0 --unixsocket "$work/redis.sock" --dir "$work" --save "" --appendonly no \
  --daemonize no --logfile "" >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  grep -qi 'ready to accept connections' "$work/log" && exit 0
  if ! kill -0 "$pid" 2>/dev/null; then
    grep -v -e '^[[:space:]]*$' "$work/log" | sed "s#$work/live.conf#the new live settings#" >&2
    exit 1
  fi
  sleep 0.05
done
echo "redis-server did not start within 5 s with the new live settings" >&2
exit 1
