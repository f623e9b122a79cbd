#!/bin/sh
# Build the long-lived compiler (JavacServer) that the job runner keeps per worker, into DEST.
set -eu
dest=$(realpath -m "$1")
here=$(cd "$(dirname "$0")" && pwd)
export PATH=/usr/bin:/bin
mkdir -p "$dest"
javac -nowarn --add-modules jdk.incubator.foreign -d "$dest" "$here/JavacServer.java" 2>&1 \
    | grep -v 'incubator' || true
test -f "$dest/JavacServer.class"
server=$(sha256sum "$here/JavacServer.java" | cut -c1-12)
echo "$(java -version 2>&1 | head -n 1); JavacServer $server" > "$dest/VERSION"
