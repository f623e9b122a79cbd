#!/bin/sh
# Check that g++ finds Boost and OpenSSL (the tests include boost/any.hpp and link -lcrypto),
# then precompile the common header prelude.h and build the link check (linkcheck.cpp).
set -eu
dest=$(realpath -m "$1")
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
mkdir -p "$dest"
printf '#include <boost/any.hpp>\n#include <openssl/md5.h>\nint main(){boost::any a=1;unsigned char d[16];MD5((const unsigned char*)"",0,d);return 0;}\n' > "$build/check.cpp"
PATH=/usr/bin:/bin g++ -w -o "$build/check" "$build/check.cpp" -lcrypto
"$build/check"
# The common includes of every program, precompiled with the flags programs use (cpp.py).
here=$(cd "$(dirname "$0")" && pwd)
cp "$here/prelude.h" "$dest/prelude.h"
PATH=/usr/bin:/bin g++ -std=c++17 -O0 -x c++-header "$dest/prelude.h" -o "$dest/prelude.h.gch"
PATH=/usr/bin:/bin g++ -O2 -o "$dest/linkcheck" "$here/linkcheck.cpp"
PATH=/usr/bin:/bin g++ --version | head -n 1 > "$dest/VERSION"
