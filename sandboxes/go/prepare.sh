#!/bin/sh
# Warm a Go build cache with testify and the standard packages the tests use, into DEST.
set -eu
dest=$(realpath -m "$1")
export PATH=/usr/lib/go/bin:/usr/bin:/bin GO111MODULE=off GOPATH=/usr/share/gocode
export GOCACHE="$dest/cache" CGO_ENABLED=0
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
mkdir -p "$dest"
cat > "$build/warm_test.go" <<GO
package main

import (
    "crypto/md5"
    "fmt"
    "math"
    "regexp"
    "sort"
    "strconv"
    "strings"
    "testing"
    "github.com/stretchr/testify/assert"
)

func TestWarm(t *testing.T) {
    words := []string{fmt.Sprint(math.Abs(-1)), strconv.Itoa(md5.Size), regexp.QuoteMeta(".")}
    sort.Strings(words)
    assert.Equal(t, 3, len(strings.Join(words, " ")) - 4)
}
GO
(cd "$build" && go test -c -vet=off -o warm.test warm_test.go && ./warm.test > /dev/null)
chmod -R a+rX "$dest"
go version > "$dest/VERSION"
