# shellcheck shell=bash
# Inside the PostgreSQL image (the running container, or a throw-away one): would the server start with the live
# settings on stdin? postgres -C reads a configuration file as a start does, every value through the server's own
# checks, then prints one setting and exits: safe beside a running server, and it needs no cluster. Run after the
# text of entrypoint-lib.sh; fails with the server's message.
set -Eeuo pipefail
# Exit 2: the image cannot check anything (it has no PostgreSQL).
(add_postgres_bin_to_path) || exit 2
add_postgres_bin_to_path
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/live.conf"
chown -R postgres "$work"
chmod 0700 "$work"
if out=$(run_as postgres postgres -D "$work" -c config_file="$work/live.conf" -C server_version 2>&1 >/dev/null); then
  exit 0
fi
# The server's lines without their time stamps, and without the auto.conf it looks for beside the file.
printf '%s\n' "$out" | grep -v -e '^[[:space:]]*$' -e 'skipping missing configuration file' \
  | sed -e 's/^[0-9-]* [0-9:.]* [A-Z]* \[[0-9]*\] *//' -e "s#$work/live.conf#the new live settings#" >&2
exit 1
