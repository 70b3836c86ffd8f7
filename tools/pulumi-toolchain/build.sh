#!/usr/bin/env bash
# Build the Pulumi toolchain this project needs (CLI, Node.js language host,
# provider plugins) from Go modules only, at the versions package-lock.json pins.
#
# Why: the machines reach the Go module proxy, npm and Debian mirrors only, so the
# usual installers (get.pulumi.com, `pulumi plugin install`, GitHub release
# tarballs) cannot run. Everything here is fetched with the `go` command.
#
# How each binary is built: a throw-away wrapper module that `require`s the
# target module at the pinned version and carries the same `replace` lines as
# the target's own go.mod (replace directives of a dependency are ignored by Go,
# so leaving them out would silently build a different dependency graph).
# A replace that points into the same repository (e.g. `=> ../sdk`) becomes a
# plain `require` of that module at the same release version. Any other local
# replace (a git submodule such as `../upstream`, a nested `./shim`) has no
# module counterpart, and the component is reported as not buildable.
#
# Usage:   tools/pulumi-toolchain/build.sh [COMPONENT...]   (default: all)
#          COMPONENT is one of: pulumi pulumi-language-nodejs
#          pulumi-resource-command pulumi-resource-random pulumi-resource-tls
#          pulumi-resource-docker
# Env:     SYNAXIC_TOOLCHAIN_CACHE  binaries go to $CACHE/<name>-<version>/<name>
#                                   (default /var/cache/synaxic-toolchain)
#          SYNAXIC_TOOLCHAIN_LOGS   build logs (default /tmp/synaxic-toolchain-logs)
#          SYNAXIC_PULUMI_NODEJS_HOST_FALLBACK=1  if the language host of the
#                                   pinned release is not on the proxy, build the
#                                   last one that was still part of the sdk/v3
#                                   module (v3.68.0) instead; see notes below.
# Exit:    0 the CLI and the language host are in the cache (a provider that
#          cannot be built is reported, and served by our emulation as a plugin
#          in the tests); 2 the CLI or the host could not be built; 1 unexpected
#          error.
# Prints:  one line per component, then the PATH entry to use.
set -Eeuo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
lock_file="$repo_root/package-lock.json"
cache_root=${SYNAXIC_TOOLCHAIN_CACHE:-/var/cache/synaxic-toolchain}
log_dir=${SYNAXIC_TOOLCHAIN_LOGS:-/tmp/synaxic-toolchain-logs}

trap 'echo "build.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

# The proxy is the only source: `direct` would try github.com, which is
# unreachable and only turns a clear "not available" into a git error.
# GOSUMDB stays on (sum.golang.org is reached through the proxy), so every
# download is still checked against the checksum database.
export GOPROXY=${SYNAXIC_GOPROXY:-https://proxy.golang.org}
# A dependency needing a newer Go must fail loudly instead of fetching a toolchain.
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}
export CGO_ENABLED=0 # release builds of Pulumi and its providers are static

command -v go >/dev/null || { echo "build.sh: go not found" >&2; exit 1; }
command -v node >/dev/null || { echo "build.sh: node not found (reads package-lock.json)" >&2; exit 1; }
[[ -f $lock_file ]] || { echo "build.sh: $lock_file not found" >&2; exit 1; }

mkdir -p "$cache_root/bin" "$log_dir"
# One build at a time per cache: two runs would race on the same binaries.
exec 9>"$cache_root/.lock"
flock 9

work_root=$(mktemp -d /tmp/synaxic-toolchain-work.XXXXXX)
cleanup() { rm -rf "$work_root"; }
trap cleanup EXIT

# npm_version PACKAGE -> version installed by package-lock.json (lockfile v2/v3).
npm_version() {
  node -e '
    const lock = require(process.argv[1]);
    const p = (lock.packages || {})["node_modules/" + process.argv[2]];
    if (!p || !p.version) { process.exit(3); }
    process.stdout.write(p.version);
  ' "$lock_file" "$1"
}

pulumi_v=$(npm_version @pulumi/pulumi)
command_v=$(npm_version @pulumi/command)
random_v=$(npm_version @pulumi/random)
tls_v=$(npm_version @pulumi/tls)
docker_v=$(npm_version @pulumi/docker)

# Module versions that a plain `v<npm version>` cannot express.
# Pulumi tags only the repository root (vX.Y.Z) and sdk/ (sdk/vX.Y.Z), plus pkg/
# for pulumi/pulumi. Nested modules (the language host, every provider/ module)
# never get a tag, so the proxy can only know them by the pseudo-version of the
# release commit: v<major>.0.0-<UTC commit time>-<12 hex of the commit>.
# Add a line when bumping a pin; the commit is the one the vX.Y.Z tag points to.
pseudo_version() { # NAME VERSION -> pseudo-version, or nothing
  case "$1@$2" in
    pulumi-language-nodejs@3.248.0) echo v3.0.0-20260624120734-a88168d865b7 ;; # tag v3.248.0 = a88168d865b7
    pulumi-resource-command@1.2.1) echo v0.0.0-20260303235922-7f3eb6f3b77c ;; # tag v1.2.1 = 7f3eb6f3b77c
    *) ;;
  esac
}

# module_info MODULE@VERSION -> JSON from `go mod download`; never fails, the
# JSON carries an "Error" field when the proxy refuses the version.
module_info() {
  (cd "$work_root" && go mod download -json "$1" 2>/dev/null) || true
}
json_field() { # JSON FIELD
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let j={};try{j=JSON.parse(s)}catch(e){}const v=j[process.argv[1]];if(v!==undefined)process.stdout.write(String(v))})' "$2" <<<"$1"
}

# wrapper_directives GOMOD RELEASE_VERSION -> lines for the wrapper go.mod:
# the target's replaces, with same-repository local replaces turned into requires
# at the release tag (vX.Y.Z; not the target's own pseudo-version, which would
# sort below the versions other modules ask for).
# Prints "UNRESOLVABLE <module> => <dir>" for a local replace with no module.
wrapper_directives() {
  local gomod=$1 version=$2
  # shellcheck disable=SC2016 # ${...} below is a JavaScript template literal
  (cd "$work_root" && go mod edit -json "$gomod") | node -e '
    let s = "";
    process.stdin.on("data", d => (s += d)).on("end", () => {
      const m = JSON.parse(s), version = process.argv[1];
      for (const r of m.Replace || []) {
        const from = r.Old.Path + (r.Old.Version ? " " + r.Old.Version : "");
        if (r.New.Version) {
          console.log(`replace ${from} => ${r.New.Path} ${r.New.Version}`);
        } else if (/^github\.com\/pulumi\/pulumi\/(pkg|sdk)\/v3$/.test(r.Old.Path)) {
          // e.g. pkg/v3 => ../sdk: same commit, published as its own tagged module.
          console.log(`require ${r.Old.Path} ${version}`);
        } else {
          console.log(`UNRESOLVABLE ${r.Old.Path} => ${r.New.Path}`);
        }
      }
    });
  ' "$version"
}

declare -a built=() missing=() substituted=()

# Also drop the PATH symlink, so bin/ never keeps a binary (say, an earlier
# fallback host) that this run did not vouch for.
mark_missing() {
  missing+=("$1")
  rm -f "$cache_root/bin/$1"
}

# build_component NAME VERSION MODULE MODVERSION PACKAGE LDFLAGS_X TAGS
#   NAME       binary name; VERSION the npm version it must report
#   MODULE     Go module holding PACKAGE; MODVERSION its version on the proxy
#   LDFLAGS_X  "importpath.Var=value" that stamps the version (Pulumi release
#              builds do the same; a provider reporting 0.0.0 or a dev version
#              makes the CLI look for another one)
#   TAGS       build tags used by the upstream release builds
build_component() {
  local name=$1 version=$2 module=$3 modversion=$4 pkg=$5 xflag=$6 tags=$7
  local dest="$cache_root/$name-$version" log="$log_dir/$name.log"
  local bin="$dest/$name"

  if [[ -x $bin ]]; then
    echo "cached  $name $version: $bin (from $(cat "$dest/SOURCE" 2>/dev/null || echo unknown))"
    ln -sfn "$bin" "$cache_root/bin/$name"
    built+=("$name")
    return 0
  fi

  local info err
  info=$(module_info "$module@$modversion")
  err=$(json_field "$info" Error | tr '\n\t' '  ')
  if [[ -n $err || -z $info ]]; then
    echo "MISSING $name $version: $module@$modversion is not served by the module proxy: ${err:-no answer}"
    mark_missing "$name"
    return 0
  fi
  local gomod resolved
  gomod=$(json_field "$info" GoMod)
  resolved=$(json_field "$info" Version)

  local wdir="$work_root/$name"
  mkdir -p "$wdir"
  local directives
  directives=$(wrapper_directives "$gomod" "v$version")
  if grep -q '^UNRESOLVABLE' <<<"$directives"; then
    echo "MISSING $name $version: $module@$resolved replaces modules with local directories that are not published:"
    grep '^UNRESOLVABLE' <<<"$directives" | sed 's/^UNRESOLVABLE /          /'
    mark_missing "$name"
    return 0
  fi

  {
    echo "module synaxic.local/pulumi-toolchain/$name"
    echo
    echo "go 1.25"
    echo
    echo "require $module $resolved"
    if [[ -n $directives ]]; then printf '%s\n' "$directives"; fi
  } >"$wdir/go.mod"
  # Blank import of the main package so `go mod tidy` computes its whole graph;
  # the build tag keeps the file out of every build.
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$pkg" >"$wdir/tools.go"

  echo "build   $name $version from $module@$resolved (log: $log)"
  local start=$SECONDS
  if ! (
    cd "$wdir"
    go mod tidy
    # -trimpath/-s -w: as the release builds; also makes linking faster.
    go build -trimpath -tags "$tags" -ldflags "-s -w -X $xflag" -o "$wdir/$name" "$pkg"
  ) >"$log" 2>&1; then
    echo "FAILED  $name $version after $((SECONDS - start))s; last lines of $log:"
    tail -n 15 "$log" | sed 's/^/          /'
    mark_missing "$name"
    return 0
  fi
  mkdir -p "$dest"
  cp "$wdir/go.mod" "$wdir/go.sum" "$dest/" # provenance: the exact graph built
  echo "$module@$resolved" >"$dest/SOURCE"
  # Move into place last, so an interrupted build never looks cached.
  mv -f "$wdir/$name" "$bin"
  ln -sfn "$bin" "$cache_root/bin/$name"
  echo "built   $name $version in $((SECONDS - start))s: $bin ($(du -h "$bin" | cut -f1))"
  built+=("$name")
}

sdk_version_var=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version
# Tags of Pulumi's .goreleaser.yml: pure-Go os/user, and grpc without x/net/trace.
cli_tags=osusergo,grpcnotrace

build_pulumi() {
  build_component pulumi "$pulumi_v" github.com/pulumi/pulumi/pkg/v3 "v$pulumi_v" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$sdk_version_var=v$pulumi_v" "$cli_tags"
}

build_language_nodejs() {
  local name=pulumi-language-nodejs
  local module=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
  local pv
  pv=$(pseudo_version "$name" "$pulumi_v")
  build_component "$name" "$pulumi_v" "$module" "${pv:-v$pulumi_v}" "$module" \
    "$sdk_version_var=v$pulumi_v" "$cli_tags"
  if [[ " ${missing[*]} " == *" $name "* && ${SYNAXIC_PULUMI_NODEJS_HOST_FALLBACK:-} == 1 ]]; then
    # Until v3.68.0 the host lived inside github.com/pulumi/pulumi/sdk/v3, which
    # is tagged and served. It is an OLD host: it only starts
    # node_modules/@pulumi/pulumi/cmd/run, so it works with a current SDK, but it
    # lacks newer RPCs (the CLI falls back where it can). Its cache directory says
    # 3.68.0, so it is never mistaken for the pinned release.
    missing=("${missing[@]/$name/}")
    substituted+=("$name 3.68.0 instead of $pulumi_v")
    build_component "$name" 3.68.0 github.com/pulumi/pulumi/sdk/v3 v3.68.0 \
      github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs \
      "$sdk_version_var=v3.68.0" "$cli_tags"
  fi
}

# build_provider NAME VERSION MODULE TAGS: a provider plugin at cmd/NAME of MODULE, its version stamped with no "v"
# (as the providers' Makefiles do), at the release commit's pseudo-version where the module is never tagged.
build_provider() {
  local name=$1 version=$2 module=$3 tags=$4 pv
  pv=$(pseudo_version "$name" "$version")
  build_component "$name" "$version" "$module" "${pv:-v$version}" "$module/cmd/$name" \
    "$module/pkg/version.Version=$version" "$tags"
}

# pulumi-command is plain Go (pulumi-go-provider). The others are bridged (Terraform-based): besides the module
# itself, each needs what the proxy does not have: a local replace (./shim nested module for random and tls,
# ../upstream git submodule plus patches/ for docker) and a generated file that `//go:embed schema-embed.json` in
# cmd/pulumi-resource-*/main.go requires but that is git-ignored (so in no module zip). The generic build reports
# whichever of these stops it first. pulumi-docker's module path is provider/v5 since v5.0.0 (provider/v4 before).
build_command() { build_provider pulumi-resource-command "$command_v" github.com/pulumi/pulumi-command/provider ""; }
build_random() { build_provider pulumi-resource-random "$random_v" github.com/pulumi/pulumi-random/provider/v4 ""; }
build_tls() { build_provider pulumi-resource-tls "$tls_v" github.com/pulumi/pulumi-tls/provider/v5 ""; }
build_docker() {
  build_provider pulumi-resource-docker "$docker_v" "github.com/pulumi/pulumi-docker/provider/v${docker_v%%.*}" no_compose
}

components=("$@")
if ((${#components[@]} == 0)); then
  components=(pulumi pulumi-language-nodejs pulumi-resource-command pulumi-resource-random
    pulumi-resource-tls pulumi-resource-docker)
fi

echo "package-lock.json pins: pulumi $pulumi_v, command $command_v, random $random_v, tls $tls_v, docker $docker_v"
total_start=$SECONDS
for c in "${components[@]}"; do
  case "$c" in
    pulumi) build_pulumi ;;
    pulumi-language-nodejs) build_language_nodejs ;;
    pulumi-resource-command) build_command ;;
    pulumi-resource-random) build_random ;;
    pulumi-resource-tls) build_tls ;;
    pulumi-resource-docker) build_docker ;;
    *) echo "build.sh: unknown component $c" >&2; exit 1 ;;
  esac
done

# Drop empty slots left by the fallback path.
declare -a still_missing=()
for m in "${missing[@]}"; do [[ -n $m ]] && still_missing+=("$m"); done

echo "done in $((SECONDS - total_start))s: ${#built[@]} ready, ${#still_missing[@]} missing${still_missing[*]:+ (${still_missing[*]})}"
for s in "${substituted[@]}"; do echo "SUBSTITUTED $s (SYNAXIC_PULUMI_NODEJS_HOST_FALLBACK=1)"; done
echo "PATH entry (symlinks to the versioned binaries): $cache_root/bin"
echo "run offline with: PATH=$cache_root/bin:\$PATH PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
# The CLI and the language host are required; a provider plugin that is missing is served by our emulation as a
# plugin (tools/local-engine/provider-plugin.ts), which the real-engine lane says.
for m in "${still_missing[@]}"; do
  case "$m" in
    pulumi | pulumi-language-nodejs) exit 2 ;;
  esac
done
