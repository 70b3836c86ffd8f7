# shellcheck shell=bash
# Wait until one of our containers is ready, on its host: `bash -s -- <container> <timeout s> <check command...>`
# with ready-lib.sh and then this text on stdin.
set -Eeuo pipefail
wait_ready "$@"
