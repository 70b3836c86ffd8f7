# shellcheck shell=bash
# Write a container's live settings into its small config volume, on its host, before the container starts (the
# server reads them at start) and whenever they change. Run as `bash -s` with this text on stdin after the
# variables VOLUME IMAGE FILE CONTENT (rendered by the program; the settings hold no secret).
set -Eeuo pipefail
# Named after the volume, so whoever removes the deployment's containers by name finds it too.
printf '%s' "$CONTENT" | docker run --rm -i --name "$VOLUME-write-$$" --network none -v "$VOLUME:/live" --entrypoint sh "$IMAGE" \
  -c "cat >'/live/$FILE.new' && chmod 0644 '/live/$FILE.new' && mv '/live/$FILE.new' '/live/$FILE'"
echo "synaxic: $FILE written to volume $VOLUME"
