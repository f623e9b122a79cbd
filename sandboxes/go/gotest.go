// Command gotest builds a test binary from one Go test file the way `go test -c -vet=off`
// does in GOPATH mode, without the go command: it compiles the file, generates the test
// main package, compiles that and links both against the export data that prepare.sh listed
// in the importcfg beside this binary. Skipping the go command's package loading, and linking
// without a symbol table or DWARF, takes the build from about 0.6 s to 0.25 s.
//
// Usage: gotest -o main.test main_test.go
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// The package path `go test` gives a test file named on its command line.
const testedPath = "command-line-arguments"

// testFuncs are the functions of the test file that the test main package lists.
type testFuncs struct {
	tests, benchmarks, fuzzTargets []string
	examples                       []*doc.Example
	testMain                       bool
}

func main() {
	out := flag.String("o", "main.test", "test binary to write")
	flag.Parse()
	if flag.NArg() != 1 {
		fail(errors.New("usage: gotest -o BINARY FILE_test.go"))
	}
	if err := build(flag.Arg(0), *out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

// build compiles source and its test main into the binary out.
func build(source, out string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	importcfg, err := os.ReadFile(filepath.Join(filepath.Dir(self), "importcfg"))
	if err != nil {
		return err
	}
	linkcfg := append(importcfg, []byte("packagefile "+testedPath+"=_pkg_.a\n")...)
	if err := os.WriteFile("importcfg", linkcfg, 0o600); err != nil {
		return err
	}
	if err := tool("compile", "-o", "_pkg_.a", "-p", testedPath, "-complete",
		"-importcfg", "importcfg", "-pack", source); err != nil {
		return err
	}
	funcs, err := loadTestFuncs(source)
	if err != nil {
		return err
	}
	if err := os.WriteFile("_testmain.go", testMain(funcs), 0o600); err != nil {
		return err
	}
	if err := tool("compile", "-o", "_testmain.a", "-p", "main", "-complete",
		"-importcfg", "importcfg", "-pack", "_testmain.go"); err != nil {
		return err
	}
	return tool("link", "-s", "-w", "-o", out, "-importcfg", "importcfg",
		"-buildmode=exe", "_testmain.a")
}

// tool runs one of the Go toolchain's own tools (compile, link) with this process's output.
func tool(name string, args ...string) error {
	dir := filepath.Join(runtime.GOROOT(), "pkg", "tool", runtime.GOOS+"_"+runtime.GOARCH)
	command := exec.Command(filepath.Join(dir, name), args...)
	command.Stdout, command.Stderr = os.Stdout, os.Stderr
	if err := command.Run(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// loadTestFuncs finds the tests, benchmarks, fuzz targets, examples and TestMain of a file,
// with the go command's rules for names and signatures.
func loadTestFuncs(source string) (*testFuncs, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, source, nil, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	funcs := &testFuncs{}
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Recv != nil {
			continue
		}
		if err := funcs.add(fset, fn); err != nil {
			return nil, err
		}
	}
	examples := doc.Examples(file)
	sort.Slice(examples, func(i, j int) bool { return examples[i].Order < examples[j].Order })
	for _, example := range examples {
		if example.Output != "" || example.EmptyOutput {
			funcs.examples = append(funcs.examples, example)
		}
	}
	return funcs, nil
}

// add files one top-level function under what its name and signature make it.
func (funcs *testFuncs) add(fset *token.FileSet, fn *ast.FuncDecl) error {
	name := fn.Name.Name
	switch {
	case name == "TestMain" && hasTestSignature(fn, "T"):
		funcs.tests = append(funcs.tests, name)
	case name == "TestMain":
		if err := checkSignature(fset, fn, "M"); err != nil {
			return err
		}
		if funcs.testMain {
			return fmt.Errorf("%s: multiple definitions of TestMain", fset.Position(fn.Pos()))
		}
		funcs.testMain = true
	case hasPrefix(name, "Test"):
		funcs.tests = append(funcs.tests, name)
		return checkSignature(fset, fn, "T")
	case hasPrefix(name, "Benchmark"):
		funcs.benchmarks = append(funcs.benchmarks, name)
		return checkSignature(fset, fn, "B")
	case hasPrefix(name, "Fuzz"):
		funcs.fuzzTargets = append(funcs.fuzzTargets, name)
		return checkSignature(fset, fn, "F")
	}
	return nil
}

// hasPrefix reports whether name is prefix followed by nothing or by a non-lower-case letter.
func hasPrefix(name, prefix string) bool {
	if len(name) < len(prefix) || name[:len(prefix)] != prefix {
		return false
	}
	if len(name) == len(prefix) {
		return true
	}
	next, _ := utf8.DecodeRuneInString(name[len(prefix):])
	return !unicode.IsLower(next)
}

func checkSignature(fset *token.FileSet, fn *ast.FuncDecl, arg string) error {
	if fn.Type.TypeParams.NumFields() > 0 {
		return fmt.Errorf("%s: test functions cannot have type parameters", fset.Position(fn.Pos()))
	}
	if !hasTestSignature(fn, arg) {
		name := fn.Name.Name
		return fmt.Errorf("%s: wrong signature for %s, must be: func %s(%s *testing.%s)",
			fset.Position(fn.Pos()), name, name, string(unicode.ToLower(rune(arg[0]))), arg)
	}
	return nil
}

// hasTestSignature reports whether fn takes one *arg or *pkg.arg and returns nothing.
func hasTestSignature(fn *ast.FuncDecl, arg string) bool {
	params := fn.Type.Params.List
	if fn.Type.Results.NumFields() > 0 || len(params) != 1 || len(params[0].Names) > 1 {
		return false
	}
	pointer, ok := params[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	switch target := pointer.X.(type) {
	case *ast.Ident:
		return target.Name == arg
	case *ast.SelectorExpr:
		return target.Sel.Name == arg
	}
	return false
}

// testMain is the source of the main package that runs the test file's functions.
func testMain(funcs *testFuncs) []byte {
	var src bytes.Buffer
	src.WriteString("package main\n\nimport (\n\t\"os\"\n")
	if funcs.testMain {
		src.WriteString("\t\"reflect\"\n")
	}
	src.WriteString("\t\"testing\"\n\t\"testing/internal/testdeps\"\n\n")
	alias := "_"
	if funcs.testMain || len(funcs.tests)+len(funcs.benchmarks)+len(funcs.fuzzTargets)+
		len(funcs.examples) > 0 {
		alias = "_test"
	}
	fmt.Fprintf(&src, "\t%s %q\n)\n\n", alias, testedPath)
	writeTable(&src, "tests", "InternalTest", funcs.tests)
	writeTable(&src, "benchmarks", "InternalBenchmark", funcs.benchmarks)
	writeTable(&src, "fuzzTargets", "InternalFuzzTarget", funcs.fuzzTargets)
	src.WriteString("var examples = []testing.InternalExample{\n")
	for _, example := range funcs.examples {
		name := "Example" + example.Name
		fmt.Fprintf(&src, "\t{%q, _test.%s, %q, %t},\n",
			name, name, example.Output, example.Unordered)
	}
	src.WriteString("}\n\nfunc init() {\n\ttestdeps.ImportPath = \"\"\n}\n\nfunc main() {\n")
	src.WriteString("\tm := testing.MainStart(testdeps.TestDeps{}, " +
		"tests, benchmarks, fuzzTargets, examples)\n")
	if funcs.testMain {
		src.WriteString("\t_test.TestMain(m)\n\tos.Exit(int(reflect.ValueOf(m)." +
			"Elem().FieldByName(\"exitCode\").Int()))\n}\n")
	} else {
		src.WriteString("\tos.Exit(m.Run())\n}\n")
	}
	return src.Bytes()
}

// writeTable writes `var name = []testing.kind{{"F", _test.F}, ...}`.
func writeTable(src *bytes.Buffer, name, kind string, funcs []string) {
	fmt.Fprintf(src, "var %s = []testing.%s{\n", name, kind)
	for _, fn := range funcs {
		fmt.Fprintf(src, "\t{%s, _test.%s},\n", strconv.Quote(fn), fn)
	}
	src.WriteString("}\n\n")
}
