# shellcheck shell=bash
# Before a container uses a volume it must not create: `bash -s -- <volume> <config key>` on the host, with this text
# on stdin. Docker would otherwise make an empty volume of that name and the service would start with no data.
set -Eeuo pipefail
readonly VOLUME=$1 KEY=$2
if ! docker volume inspect "$VOLUME" >/dev/null 2>&1; then
  echo "synaxic: $KEY names volume '$VOLUME', which does not exist on this host. Fix: pulumi config set $KEY <the name docker volume ls shows>" >&2
  exit 1
fi
echo "synaxic: taking over volume $VOLUME"
