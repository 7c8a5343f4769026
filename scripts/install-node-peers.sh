#!/bin/sh
# Installs the node peers of the end-to-end tests (tests/e2e/peers: node-opcua server/client,
# node-snap7 S7Server/S7Client) from the npm registry, exactly as package-lock.json pins them,
# and builds node-snap7's native addon offline against the installed node's headers.
# Called by scripts/install-deps.sh --with-tests; quick no-op when already done.
set -eu
export DEBIAN_FRONTEND=noninteractive
cd "$(dirname "$0")/../tests/e2e/peers"

# node and npm: the machine's own (node 20 / npm 11 on the build VMs), else Debian's.
# node-gyp needs the node headers (/usr/include/node: nodesource's nodejs, or Debian's libnode-dev),
# make and a C++ compiler.
need=""
command -v node >/dev/null 2>&1 || need="$need nodejs"
command -v npm >/dev/null 2>&1 || need="$need npm"
[ -f /usr/include/node/node.h ] || need="$need libnode-dev"
command -v make >/dev/null 2>&1 || need="$need make"
command -v g++ >/dev/null 2>&1 || need="$need g++"
if [ -n "$need" ]; then
  echo "installing:$need"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $need
fi

stamp=node_modules/.fieldguard-installed
want="$(sha256sum package-lock.json | cut -d' ' -f1) $(node --version)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f node_modules/node-snap7/build/Release/node_snap7.node ]; then
  exit 0
fi

# Install scripts stay off (npm 11 blocks them anyway; package.json's allowScripts approves only
# node-snap7): the one native build is done explicitly below, from source, with no download.
npm ci --ignore-scripts --no-audit --no-fund

gyp=""
for g in "$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js" /usr/share/nodejs/node-gyp/bin/node-gyp.js \
         /usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js; do
  [ -f "$g" ] && { gyp="$g"; break; }
done
if [ -z "$gyp" ]; then
  echo "node-gyp not found (it ships with npm)" >&2
  exit 1
fi
# Third-party code: its compiler warnings are not ours to fix; the log is shown only on failure.
log=$(mktemp)
if ! (cd node_modules/node-snap7 && node "$gyp" rebuild --nodedir=/usr --jobs=2) >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
node -e 'require("node-snap7"); require("node-opcua-server"); require("node-opcua-client")' >/dev/null 2>&1
echo "$want" > "$stamp"
echo "node peers installed in $(pwd)/node_modules"
