#!/bin/sh
# Build the long-lived compiler (JavacServer) that the job runner keeps per worker, and the
# tests' driver (driver/: Driver and Guard, without the stand-in Main), into DEST.
set -eu
dest=$(realpath -m "$1")
here=$(cd "$(dirname "$0")" && pwd)
export PATH=/usr/bin:/bin
mkdir -p "$dest"
javac -nowarn --add-modules jdk.incubator.foreign -d "$dest" "$here/JavacServer.java" 2>&1 \
    | grep -v 'incubator' || true
test -f "$dest/JavacServer.class"
rm -rf "$dest/driver"
javac -nowarn -XDstringConcat=inline -d "$dest/driver" "$here/driver/Driver.java" "$here/driver/Main.java"
rm "$dest/driver/humaneval_x/test/Main.class"
test -f "$dest/driver/humaneval_x/test/Driver.class"
server=$(cat "$here/JavacServer.java" "$here/driver/"*.java | sha256sum | cut -c1-12)
echo "$(java -version 2>&1 | head -n 1); JavacServer and Driver $server" > "$dest/VERSION"
