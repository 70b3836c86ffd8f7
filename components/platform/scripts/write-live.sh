# shellcheck shell=bash
# Write a container's live files into their small volume, on its host, before the container starts (the server reads
# them at start) and whenever one changes: `bash -s` with this text on stdin after the variables VOLUME IMAGE
# CONTAINER LIB, LIVE_FILES (how many) and for each file i from 1: FILE_i (its name), MODE_i (0644 or 0600), CONTENT_i
# and CHECK_i (rendered by the program; a key's content is a secret: it travels on stdin only). Sourced by
# apply-live.sh too. A file with a CHECK is read by the server itself first (in the running container, else in a
# throw-away container of the image): a file it would refuse at its next start is never written, the one in place
# stays, and the up fails with the server's own words. Only files whose content changed are written; each is written
# beside itself with no access for others, given its mode and renamed over the old one. Written whether or not the
# server runs.
set -Eeuo pipefail
eval "$LIB"

# `sh -c` script, arguments <folder> <file> <mode>, content on stdin (a reader sees the old file or the new one,
# never half of one, and never a key others may read).
# shellcheck disable=SC2016
readonly WRITE='umask 077 && cat >"$1/$2.new" && chmod "$3" "$1/$2.new" && mv "$1/$2.new" "$1/$2"'

live_var() { local name="$1_$2"; printf '%s' "${!name}"; } # <FILE|MODE|CONTENT|CHECK> <i>

# CHECK_i reads the new file on stdin inside the image, and fails with the server's message when it refuses it: in the
# service's container while it runs, else (or when it stopped while asked) in a throw-away container of the image.
# Exit status 2 from CHECK: the image has no such server to ask.
check_live_file() { # <i>
  local file check out status=0
  file=$(live_var FILE "$1")
  check=$(live_var CHECK "$1")
  if [ "$(docker inspect -f '{{.State.Status}}' "$CONTAINER" 2>/dev/null)" = running ] \
    && out=$(live_var CONTENT "$1" | docker exec -i "$CONTAINER" bash -c "$check" 2>&1); then
    return 0
  fi
  if [ "$(docker inspect -f '{{.State.Status}}' "$CONTAINER" 2>/dev/null)" != running ]; then
    out=$(live_var CONTENT "$1" | docker run --rm -i --name "$VOLUME-check-$$" --network none \
      --entrypoint bash "$IMAGE" -c "$check" 2>&1) || status=$?
    [ "$status" != 0 ] || return 0
  fi
  if [ "$status" = 2 ]; then
    echo "synaxic: image $IMAGE cannot read the new $file: it is not the server's image? It said:" >&2
  else
    echo "synaxic: the server refuses the new $file; it was not written (the running settings are unchanged). The server said:" >&2
  fi
  printf '%s\n' "$out" | sed 's/^/  | /' >&2
  return 1
}

# "<sha256>  <name>" of each file the volume holds now (nothing before the first write).
current_live_hashes() {
  local folder
  # shellcheck disable=SC2016
  local hashes='cd "$1" && for f in *; do [ ! -f "$f" ] || sha256sum "$f"; done'
  if folder=$(volume_folder "$VOLUME" r); then
    sh -c "$hashes" sh "$folder"
  else
    docker run --rm --network none -v "$VOLUME:/live:ro" --entrypoint sh "$IMAGE" -c "$hashes" sh /live
  fi
}

write_live_file() { # <i>
  local file mode folder
  file=$(live_var FILE "$1")
  mode=$(live_var MODE "$1")
  if folder=$(volume_folder "$VOLUME" w); then
    live_var CONTENT "$1" | sh -c "$WRITE" sh "$folder" "$file" "$mode"
  else
    # Named after the volume, so whoever removes the deployment's containers by name finds it too.
    live_var CONTENT "$1" | docker run --rm -i --name "$VOLUME-write-$$" --network none -v "$VOLUME:/live" \
      --entrypoint sh "$IMAGE" -c "$WRITE" sh /live "$file" "$mode"
  fi
}

# Every file whose content the volume does not hold yet: all checked before any is written.
write_live_files() {
  local current i file want
  local -a changed=()
  current=$(current_live_hashes)
  for i in $(seq 1 "$LIVE_FILES"); do
    file=$(live_var FILE "$i")
    want=$(live_var CONTENT "$i" | sha256sum | cut -d' ' -f1)
    [ "$(awk -v f="$file" '$2 == f { print $1 }' <<<"$current")" = "$want" ] || changed+=("$i")
  done
  [ "${#changed[@]}" -gt 0 ] || return 0
  for i in "${changed[@]}"; do
    [ -z "$(live_var CHECK "$i")" ] || check_live_file "$i"
  done
  local -a names=()
  for i in "${changed[@]}"; do
    write_live_file "$i"
    names+=("$(live_var FILE "$i")")
  done
  echo "synaxic: ${names[*]} written to volume $VOLUME"
}

[ "${SYNAXIC_LIVE_LIBRARY:-}" = yes ] || write_live_files
