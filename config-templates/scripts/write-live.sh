# shellcheck shell=bash
# Write a container's live settings into their small volume, on its host, before the container starts (the server
# reads them at start) and whenever they change: `bash -s` with this text on stdin after the variables VOLUME IMAGE
# CONTAINER FILE CONTENT CHECK LIB (rendered by the program; the settings hold no secret). Sourced by apply-live.sh too.
# The server itself reads the new file first (CHECK: in the running container, else in a throw-away container of the
# image): a file it would refuse at its next start is never written, the previous one stays, and the up fails with
# the server's own words. The file replaced is kept as <file>.prev. Written whether or not the server runs.
set -Eeuo pipefail
eval "$LIB"

# `sh -c` script, arguments <folder> <file>, content on stdin: the old file kept as .prev, the new one written beside
# it, then renamed over it (a reader sees the old file or the new one, never half of one).
# shellcheck disable=SC2016
readonly WRITE='[ ! -f "$1/$2" ] || cp -p "$1/$2" "$1/$2.prev"; cat >"$1/$2.new" && chmod 0644 "$1/$2.new" && mv "$1/$2.new" "$1/$2"'

# CHECK reads the new file on stdin inside the image, and fails with the server's message when it refuses it: in the
# service's container while it runs, else (or when it stopped while asked) in a throw-away container of the image.
# Exit status 2 from CHECK: the image has no such server to ask.
check_live_file() {
  local out status=0
  if [ "$(docker inspect -f '{{.State.Status}}' "$CONTAINER" 2>/dev/null)" = running ] \
    && out=$(printf '%s' "$CONTENT" | docker exec -i "$CONTAINER" bash -c "$CHECK" 2>&1); then
    return 0
  fi
  if [ "$(docker inspect -f '{{.State.Status}}' "$CONTAINER" 2>/dev/null)" != running ]; then
    out=$(printf '%s' "$CONTENT" | docker run --rm -i --name "$VOLUME-check-$$" --network none \
      --entrypoint bash "$IMAGE" -c "$CHECK" 2>&1) || status=$?
    [ "$status" != 0 ] || return 0
  fi
  if [ "$status" = 2 ]; then
    echo "synaxic: image $IMAGE cannot read the new $FILE: it is not the server's image? It said:" >&2
  else
    echo "synaxic: the server refuses the new $FILE; it was not written (the running settings are unchanged). The server said:" >&2
  fi
  printf '%s\n' "$out" | sed 's/^/  | /' >&2
  return 1
}

# The file as the volume holds it now (nothing when there is none yet).
current_live_file() {
  local folder
  if folder=$(volume_folder "$VOLUME" r); then
    cat "$folder/$FILE" 2>/dev/null || true
  else
    docker run --rm --network none -v "$VOLUME:/live:ro" --entrypoint sh "$IMAGE" -c 'cat "$1/$2" 2>/dev/null || true' sh /live "$FILE"
  fi
}

write_live_file() {
  if [ "$(current_live_file | sha256sum)" = "$(printf '%s' "$CONTENT" | sha256sum)" ]; then
    return 0
  fi
  [ -z "$CHECK" ] || check_live_file
  local folder
  if folder=$(volume_folder "$VOLUME" w); then
    printf '%s' "$CONTENT" | sh -c "$WRITE" sh "$folder" "$FILE"
  else
    # Named after the volume, so whoever removes the deployment's containers by name finds it too.
    printf '%s' "$CONTENT" | docker run --rm -i --name "$VOLUME-write-$$" --network none -v "$VOLUME:/live" \
      --entrypoint sh "$IMAGE" -c "$WRITE" sh /live "$FILE"
  fi
  echo "synaxic: $FILE written to volume $VOLUME"
}

[ "${SYNAXIC_LIVE_LIBRARY:-}" = yes ] || write_live_file
