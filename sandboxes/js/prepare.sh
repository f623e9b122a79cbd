#!/bin/sh
# Install the npm packages the JavaScript tests require (js-md5 for JavaScript/162) into DEST.
set -eu
dest=$(realpath -m "$1")
mkdir -p "$dest"
npm install --silent --no-audit --no-fund --prefix "$dest" js-md5@0.8.3
node --version > "$dest/VERSION"
