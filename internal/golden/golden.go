// Package golden compares test output with golden files, or rewrites
// them under -update, for every package's tests: one flag, one message
// that says where the first difference is and how to rewrite the file.
package golden

import (
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The -update flag. teatest's golden package defines it too; when both
// are linked, theirs is initialised first (packages without a dependency
// between them initialise in import-path order), and this one reuses it.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files instead of comparing with them")
	}
}

// Updating says whether -update was given.
func Updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// Assert compares got with the file at path, or writes it there under
// -update. pkg names the package for the hint ("./cmd").
func Assert(t testing.TB, pkg, path string, got []byte) {
	t.Helper()
	if Updating() {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test %s -update writes it)", err, pkg)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs (go test %s -update rewrites it): %s", path, pkg, FirstDiff(string(want), string(got)))
	}
}

// FirstDiff names the first line where got differs from want.
func FirstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		w, g := "(no line)", "(no line)"
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return "equal lines, different bytes"
}
