package version

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestLdflagsPathsAreReal: the release (.goreleaser.yaml) and make build
// stamp the version through -X on this package's real import path; a
// wrong path links silently and 'tiergate version' prints "dev".
func TestLdflagsPathsAreReal(t *testing.T) {
	raw, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^module\s+(\S+)`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("go.mod names no module")
	}
	mod := string(m[1])
	want := mod + "/internal/version."
	vars := map[string]bool{"Version": true, "Commit": true, "Date": true}
	x := regexp.MustCompile(`-X[ =]([^=\s'"]+)=`)
	for _, file := range []string{"../../.goreleaser.yaml", "../../Makefile"} {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		// The Makefile names the module once, as PKG.
		pkg := regexp.MustCompile(`(?m)^PKG\s*:?=\s*(\S+)`).FindSubmatch(text)
		seen := map[string]bool{}
		for _, x := range x.FindAllStringSubmatch(string(text), -1) {
			path := x[1]
			if strings.Contains(path, "$(PKG)") {
				if pkg == nil {
					t.Fatalf("%s uses $(PKG) but does not set it", file)
				}
				path = strings.ReplaceAll(path, "$(PKG)", string(pkg[1]))
			}
			name, ok := strings.CutPrefix(path, want)
			if !ok || !vars[name] {
				t.Errorf("%s: -X %s is not %s{Version,Commit,Date}", file, x[1], want)
				continue
			}
			seen[name] = true
		}
		if len(seen) != len(vars) {
			t.Errorf("%s stamps %v, want all of Version, Commit, Date", file, seen)
		}
	}
}
