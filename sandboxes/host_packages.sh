#!/bin/sh
# Install the Debian packages the local sandbox needs on this host (root; skips what is there).
set -eu
packages="python3 g++ libboost-dev libssl-dev default-jdk-headless nodejs npm golang-go
golang-github-stretchr-testify-dev rustc cargo librust-regex-dev librust-regex+default-dev
librust-md5-dev"
missing=""
for package in $packages; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing="$missing $package"
done
# A node or javac from elsewhere on PATH is fine: only install what has no command at all.
command -v node > /dev/null && missing=$(echo "$missing" | sed 's/ nodejs//')
command -v npm > /dev/null && missing=$(echo "$missing" | sed 's/ npm//')
command -v javac > /dev/null && missing=$(echo "$missing" | sed 's/ default-jdk-headless//')
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages:$missing (run as root: apt-get install$missing)" >&2
    exit 1
fi
echo "installing:$missing"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing > /dev/null
