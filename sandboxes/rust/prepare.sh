#!/bin/sh
# Build the crates the Rust tests link against (regex and md5 from Debian's vendored
# registry, rand from rand_compat.rs) and the tests' driver (humaneval_x_driver.rs) into DEST,
# with Debian's rustc.
set -eu
dest=$(realpath -m "$1")
here=$(cd "$(dirname "$0")" && pwd)
export PATH=/usr/bin:/bin
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
mkdir -p "$dest" "$build/src" "$build/home"
cat > "$build/Cargo.toml" <<TOML
[package]
name = "humaneval-x-deps"
version = "0.0.0"
edition = "2021"
[dependencies]
regex = "1"
md5 = "0.7"
TOML
echo '' > "$build/src/lib.rs"
cat > "$build/home/config.toml" <<TOML
[source.crates-io]
replace-with = "debian"
[source.debian]
directory = "/usr/share/cargo/registry"
[net]
offline = true
TOML
CARGO_HOME="$build/home" cargo build -q --release --manifest-path "$build/Cargo.toml" \
    --target-dir "$build/target"
cp "$build"/target/release/deps/*.rlib "$dest/"
for crate in regex md5; do
    cp "$(ls "$dest"/lib${crate}-*.rlib | head -n 1)" "$dest/lib${crate}.rlib"
done
rustc --edition 2021 --crate-type rlib --crate-name rand -C opt-level=2 \
    -o "$dest/librand.rlib" "$here/rand_compat.rs"
rustc --edition 2021 --crate-type rlib --crate-name humaneval_x_driver -C opt-level=2 \
    -o "$dest/libhumaneval_x_driver.rlib" "$here/humaneval_x_driver.rs"
rustc --version > "$dest/VERSION"
