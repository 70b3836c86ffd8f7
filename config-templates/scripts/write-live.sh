# shellcheck shell=bash
# Write a container's live settings into its small config volume, on its host, before the container starts (the
# server reads them at start) and whenever they change. Run as `bash -s` with this text on stdin after the
# variables VOLUME IMAGE FILE CONTENT LIB (rendered by the program; the settings hold no secret).
set -Eeuo pipefail
eval "$LIB"
# `sh -c` script, arguments <folder> <file>, content on stdin: written beside the file, then renamed over it (a
# reader sees the old file or the new one, never half of one).
# shellcheck disable=SC2016
readonly WRITE='cat >"$1/$2.new" && chmod 0644 "$1/$2.new" && mv "$1/$2.new" "$1/$2"'

if folder=$(volume_folder "$VOLUME" w); then
  printf '%s' "$CONTENT" | sh -c "$WRITE" sh "$folder" "$FILE"
else
  # Named after the volume, so whoever removes the deployment's containers by name finds it too.
  printf '%s' "$CONTENT" | docker run --rm -i --name "$VOLUME-write-$$" --network none -v "$VOLUME:/live" \
    --entrypoint sh "$IMAGE" -c "$WRITE" sh /live "$FILE"
fi
echo "synaxic: $FILE written to volume $VOLUME"
