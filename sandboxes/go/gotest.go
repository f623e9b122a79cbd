// Command gotest builds a test binary from the files of one Go package the way
// `go test -c -vet=off` does in GOPATH mode, without the go command: it compiles the package,
// generates the test main package from the tests of its _test.go files, compiles that and links
// both against the export data that prepare.sh listed in the importcfg beside this binary.
// Skipping the go command's package loading, and linking without a symbol table or DWARF,
// takes the build from about 0.6 s to 0.25 s.
//
// The files that are not tests hold untrusted code, and one that redeclares a predeclared
// identifier (true, len, int, ...) at package level, which would change what the tests' own
// code means, or that carries a //go:linkname directive, is refused: gotest reports `tamper`
// through the proof channel (the token on its stdin) and fails.
//
// Given several packages it builds a batch: each package is compiled on its own, and one
// binary holds them all; $HUMANEVAL_X_MEMBER (the package's index) picks whose tests a run
// runs. A package whose initialisation would run code (init functions, package-level variables
// initialised with anything but constant data) is refused with its file's name, to be built
// alone: in a batch binary it would run in every member's process.
//
// Usage: gotest -o main.test FILE.go,FILE_test.go [MORE.go,MORE_test.go ...]
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
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The package path `go test` gives a test file named on its command line.
const testedPath = "command-line-arguments"

// The environment variable that picks the member of a batch binary to run.
const memberVariable = "HUMANEVAL_X_MEMBER"

// testFuncs are the functions of a test file that the test main package lists.
type testFuncs struct {
	path                           string
	tests, benchmarks, fuzzTargets []string
	examples                       []*doc.Example
	testMain                       bool
}

// used reports whether the test main refers to the package by name.
func (funcs *testFuncs) used() bool {
	return funcs.testMain ||
		len(funcs.tests)+len(funcs.benchmarks)+len(funcs.fuzzTargets)+len(funcs.examples) > 0
}

func main() {
	out := flag.String("o", "main.test", "test binary to write")
	flag.Parse()
	if flag.NArg() == 0 {
		fail(errors.New("usage: gotest -o BINARY FILE.go,FILE_test.go [...]"))
	}
	if err := build(flag.Args(), *out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

// build compiles the packages (each a comma-separated list of files) and their test main into
// the binary out.
func build(packageFiles []string, out string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	importcfg, err := os.ReadFile(filepath.Join(filepath.Dir(self), "importcfg"))
	if err != nil {
		return err
	}
	if err := os.WriteFile("importcfg", importcfg, 0o600); err != nil {
		return err
	}
	linkcfg := importcfg
	packages := make([]*testFuncs, len(packageFiles))
	failed := 0 // every package is compiled, so that a batch's errors name all the failing ones
	for i, files := range packageFiles {
		path, archive := testedPath, "_pkg_.a"
		if len(packageFiles) > 1 {
			path, archive = fmt.Sprintf("humaneval_x/p%d", i), fmt.Sprintf("_pkg%d_.a", i)
		}
		packages[i], err = compilePackage(strings.Split(files, ","), path, archive,
			len(packageFiles) > 1)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			failed++
			continue
		}
		linkcfg = append(linkcfg, []byte("packagefile "+path+"="+archive+"\n")...)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d packages failed", failed, len(packageFiles))
	}
	if err := os.WriteFile("importcfg.link", linkcfg, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile("_testmain.go", testMain(packages), 0o600); err != nil {
		return err
	}
	if err := tool("compile", "-o", "_testmain.a", "-p", "main", "-complete",
		"-importcfg", "importcfg.link", "-pack", "_testmain.go"); err != nil {
		return err
	}
	return tool("link", "-s", "-w", "-o", out, "-importcfg", "importcfg.link",
		"-buildmode=exe", "_testmain.a")
}

// compilePackage checks and compiles the files of one package as the package path and finds
// the test functions of its _test.go files.
func compilePackage(files []string, path, archive string, batch bool) (*testFuncs, error) {
	fset := token.NewFileSet()
	funcs := &testFuncs{path: path}
	for _, source := range files {
		file, err := parser.ParseFile(fset, source, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		if !strings.HasSuffix(source, "_test.go") {
			if reason := tampering(file); reason != "" {
				return nil, refuse(fmt.Sprintf("%s: %s", source, reason))
			}
		}
		if batch && runsCodeAtInit(file) {
			return nil, fmt.Errorf("%s: build alone: its package initialisation runs code", source)
		}
		if strings.HasSuffix(source, "_test.go") {
			if err := funcs.load(fset, file); err != nil {
				return nil, err
			}
		}
	}
	args := append([]string{"-o", archive, "-p", path, "-complete", "-importcfg", "importcfg",
		"-pack"}, files...)
	if err := tool("compile", args...); err != nil {
		return nil, err
	}
	return funcs, nil
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

// load adds the tests, benchmarks, fuzz targets, examples and TestMain of a test file, with
// the go command's rules for names and signatures.
func (funcs *testFuncs) load(fset *token.FileSet, file *ast.File) error {
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Recv != nil {
			continue
		}
		if err := funcs.add(fset, fn); err != nil {
			return err
		}
	}
	examples := doc.Examples(file)
	sort.Slice(examples, func(i, j int) bool { return examples[i].Order < examples[j].Order })
	for _, example := range examples {
		if example.Output != "" || example.EmptyOutput {
			funcs.examples = append(funcs.examples, example)
		}
	}
	return nil
}

// predeclared are the identifiers of Go's universe block.
var predeclared = map[string]bool{
	"any": true, "bool": true, "byte": true, "comparable": true, "complex64": true,
	"complex128": true, "error": true, "float32": true, "float64": true, "int": true,
	"int8": true, "int16": true, "int32": true, "int64": true, "rune": true, "string": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true,
	"uintptr": true, "true": true, "false": true, "iota": true, "nil": true, "append": true,
	"cap": true, "clear": true, "close": true, "complex": true, "copy": true, "delete": true,
	"imag": true, "len": true, "make": true, "max": true, "min": true, "new": true,
	"panic": true, "print": true, "println": true, "real": true, "recover": true,
}

// tampering says why a file of untrusted code would change what the tests mean, or "".
func tampering(file *ast.File) string {
	for _, group := range file.Comments {
		for _, comment := range group.List {
			if strings.HasPrefix(comment.Text, "//go:linkname") {
				return "a //go:linkname directive reaches into other packages"
			}
		}
	}
	for _, decl := range file.Decls {
		for _, name := range declaredNames(decl) {
			if predeclared[name] {
				return fmt.Sprintf("it redeclares the predeclared identifier %q", name)
			}
		}
	}
	return ""
}

// declaredNames lists the package-level names a declaration introduces.
func declaredNames(decl ast.Decl) []string {
	var names []string
	switch decl := decl.(type) {
	case *ast.FuncDecl:
		if decl.Recv == nil {
			names = append(names, decl.Name.Name)
		}
	case *ast.GenDecl:
		for _, spec := range decl.Specs {
			switch spec := spec.(type) {
			case *ast.ValueSpec:
				for _, name := range spec.Names {
					names = append(names, name.Name)
				}
			case *ast.TypeSpec:
				names = append(names, spec.Name.Name)
			}
		}
	}
	return names
}

// refuse reports tampering through the proof channel (the token on stdin) and returns the
// build error that names it.
func refuse(reason string) error {
	token, _ := io.ReadAll(os.Stdin)
	fmt.Printf("\nHUMANEVAL_X %s tamper %s\n", strings.TrimSpace(string(token)), reason)
	return errors.New("refused: " + reason)
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

// runsCodeAtInit reports whether a file declares init functions or package-level variables
// initialised with anything but constant data: code that a batch binary would run for every
// member (an index into a nil slice panics without any call).
func runsCodeAtInit(file *ast.File) bool {
	for _, decl := range file.Decls {
		switch decl := decl.(type) {
		case *ast.FuncDecl:
			if decl.Recv == nil && decl.Name.Name == "init" {
				return true
			}
		case *ast.GenDecl:
			if decl.Tok == token.VAR && !constantData(decl) {
				return true
			}
		}
	}
	return false
}

// constantData reports whether every initialiser of a var declaration is plain data: literals,
// variables and operators that can neither run code, panic nor block (no calls, conversions,
// indexing, dereferences, selectors, receives, division or shifts).
func constantData(decl *ast.GenDecl) bool {
	for _, spec := range decl.Specs {
		for _, value := range spec.(*ast.ValueSpec).Values {
			if !plainData(value) {
				return false
			}
		}
	}
	return true
}

func plainData(expr ast.Expr) bool {
	switch expr := expr.(type) {
	case *ast.BasicLit, *ast.Ident, *ast.FuncLit: // a function literal's body runs when called
		return true
	case *ast.ParenExpr:
		return plainData(expr.X)
	case *ast.UnaryExpr:
		return expr.Op != token.ARROW && plainData(expr.X)
	case *ast.BinaryExpr:
		risky := expr.Op == token.QUO || expr.Op == token.REM || expr.Op == token.SHL ||
			expr.Op == token.SHR
		return !risky && plainData(expr.X) && plainData(expr.Y)
	case *ast.KeyValueExpr:
		return plainData(expr.Key) && plainData(expr.Value)
	case *ast.CompositeLit:
		for _, element := range expr.Elts {
			if !plainData(element) {
				return false
			}
		}
		return true
	}
	return false
}

// testMain is the source of the main package that runs the test files' functions: those of
// the one package, or those of the batch member that $HUMANEVAL_X_MEMBER names.
func testMain(packages []*testFuncs) []byte {
	var src bytes.Buffer
	src.WriteString("package main\n\nimport (\n\t\"os\"\n")
	for _, funcs := range packages {
		if funcs.testMain {
			src.WriteString("\t\"reflect\"\n")
			break
		}
	}
	src.WriteString("\t\"testing\"\n\t\"testing/internal/testdeps\"\n\n")
	for i, funcs := range packages {
		alias := "_"
		if funcs.used() {
			alias = fmt.Sprintf("_test%d", i)
		}
		fmt.Fprintf(&src, "\t%s %q\n", alias, funcs.path)
	}
	src.WriteString(")\n\n")
	for i, funcs := range packages {
		writeTables(&src, i, funcs)
	}
	src.WriteString("func init() {\n\ttestdeps.ImportPath = \"\"\n}\n\nfunc main() {\n")
	if len(packages) == 1 {
		writeRun(&src, 0, packages[0])
	} else {
		fmt.Fprintf(&src, "\tswitch os.Getenv(%q) {\n", memberVariable)
		for i, funcs := range packages {
			fmt.Fprintf(&src, "\tcase %q:\n", strconv.Itoa(i))
			writeRun(&src, i, funcs)
		}
		fmt.Fprintf(&src, "\t}\n\tos.Stderr.WriteString(%q)\n\tos.Exit(2)\n",
			memberVariable+" names no member of this batch\n")
	}
	src.WriteString("}\n")
	return src.Bytes()
}

// writeTables writes package i's tests, benchmarks, fuzz targets and examples.
func writeTables(src *bytes.Buffer, i int, funcs *testFuncs) {
	writeTable(src, i, "tests", "InternalTest", funcs.tests)
	writeTable(src, i, "benchmarks", "InternalBenchmark", funcs.benchmarks)
	writeTable(src, i, "fuzzTargets", "InternalFuzzTarget", funcs.fuzzTargets)
	fmt.Fprintf(src, "var examples%d = []testing.InternalExample{\n", i)
	for _, example := range funcs.examples {
		name := "Example" + example.Name
		fmt.Fprintf(src, "\t{%q, _test%d.%s, %q, %t},\n",
			name, i, name, example.Output, example.Unordered)
	}
	src.WriteString("}\n\n")
}

// writeTable writes `var name<i> = []testing.kind{{"F", _test<i>.F}, ...}`.
func writeTable(src *bytes.Buffer, i int, name, kind string, funcs []string) {
	fmt.Fprintf(src, "var %s%d = []testing.%s{\n", name, i, kind)
	for _, fn := range funcs {
		fmt.Fprintf(src, "\t{%s, _test%d.%s},\n", strconv.Quote(fn), i, fn)
	}
	src.WriteString("}\n\n")
}

// writeRun writes the statements that run package i's tests and exit.
func writeRun(src *bytes.Buffer, i int, funcs *testFuncs) {
	fmt.Fprintf(src, "\t\tm := testing.MainStart(testdeps.TestDeps{}, "+
		"tests%d, benchmarks%d, fuzzTargets%d, examples%d)\n", i, i, i, i)
	if funcs.testMain {
		fmt.Fprintf(src, "\t\t_test%d.TestMain(m)\n\t\tos.Exit(int(reflect.ValueOf(m)."+
			"Elem().FieldByName(\"exitCode\").Int()))\n", i)
	} else {
		src.WriteString("\t\tos.Exit(m.Run())\n")
	}
}
