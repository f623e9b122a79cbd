// Package guard is the Go side of the humaneval-x proof channel. The test file of a program
// imports it, so it is initialised before any package-level code of the program runs: its init
// reads the job's token from stdin. The test file wraps each test of the dataset to call Ran
// when the test returned without failing, and its TestMain ends with Finish, which reports
// `done` (every test ran and passed) or `fail` with the token and exits.
package guard

import (
	"io"
	"os"
	"strings"
)

var (
	token string
	ran   = map[int]bool{}
)

func init() {
	data, _ := io.ReadAll(os.Stdin)
	token = strings.TrimSpace(string(data))
}

// Ran records that test number index returned without failing.
func Ran(index int) {
	ran[index] = true
}

// Finish reports how the tests ended and exits with m.Run's code: done only when the code is
// 0 and each of the tests tests ran to its end.
func Finish(code, tests int) {
	complete := len(ran) == tests
	for index := 0; index < tests; index++ {
		complete = complete && ran[index]
	}
	switch {
	case code != 0:
		report("fail", "a test failed")
	case complete:
		report("done", "")
	}
	os.Exit(code)
}

func report(event, detail string) {
	line := "\nHUMANEVAL_X " + token + " " + event
	if detail != "" {
		line += " " + detail
	}
	os.Stdout.WriteString(line + "\n")
}
