# shellcheck shell=bash
# What a PostgreSQL data volume holds, for `npm run status`: `bash -s -- <folder>` in a throw-away container of the
# PostgreSQL image (the volume read-only, no network), with entrypoint-lib.sh and then this text on stdin. Prints
# cluster_in's answer (empty, installing, standby, primary), or cut-off: a seed's stage without the mark of a copy
# being moved into place, so a base backup that stopped before it was whole (the next up seeds again).
set -Eeuo pipefail
readonly FOLDER=$1
state=$(cluster_in "$FOLDER")
if [ "$state" != installing ] && [ -d "$FOLDER/$SEED_STAGE" ]; then
  state=cut-off
fi
echo "$state"
