#!/bin/sh
# Prepare Go's test builds into DEST: a build cache holding the export data of the standard
# library, testify and the proof package humaneval_x/guard (guard/guard.go, in DEST/gopath;
# with CGO off, as the programs are built), the importcfg that lists it, and the gotest tool
# (gotest.go) that compiles and links a test without the go command. The
# per-sample baseline (bench/baseline.py) runs `go test -c` with vet on this cache, read-only,
# so one such build warms it with testify's compiled packages and vet facts as well.
set -eu
dest=$(realpath -m "$1")
here=$(cd "$(dirname "$0")" && pwd)
export PATH=/usr/lib/go/bin:/usr/bin:/bin GO111MODULE=off GOPATH="/usr/share/gocode:$dest/gopath"
export GOCACHE="$dest/cache" CGO_ENABLED=0 GOFLAGS=
mkdir -p "$dest/gopath/src/humaneval_x/guard"
cp "$here/guard/guard.go" "$dest/gopath/src/humaneval_x/guard/guard.go"
go list -export -deps -f '{{if .Export}}packagefile {{.ImportPath}}={{.Export}}{{end}}' \
    std github.com/stretchr/testify/... humaneval_x/guard > "$dest/importcfg"
go build -o "$dest/gotest" "$here/gotest.go"
warm=$(mktemp -d)
trap 'rm -rf "$warm"' EXIT
printf 'package main\n\nimport (\n\t"testing"\n\t"github.com/stretchr/testify/assert"\n\t_ "humaneval_x/guard"\n)\n\n%s\n' \
    'func TestWarm(t *testing.T) { assert.Equal(t, 1, 1) }' > "$warm/warm_test.go"
(cd "$warm" && go test -c -o warm.test warm_test.go)
chmod -R a+rX "$dest"
go version > "$dest/VERSION"
