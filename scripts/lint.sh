#!/bin/bash
# npm run lint: eslint (typescript-eslint), prettier's check, and shellcheck over every shell script we ship or run.
# The shellcheck binary comes from Debian's packages (installed here when missing and running as root, as CI does).
set -Eeuo pipefail
cd "$(dirname "$0")/.."

if ! command -v shellcheck >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "lint: shellcheck is missing: apt-get install shellcheck" >&2; exit 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
fi
npx eslint --max-warnings 0 .
npx prettier --check --log-level warn "**/*.{ts,js,mjs,json}"
git ls-files -z '*.sh' .ci/run | xargs -0 shellcheck
echo "lint: clean"
