package kinds

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// namedElsewhere are the files outside the registry that may name a
// workload kind in a string, and why.
var namedElsewhere = map[string]string{
	// The classifier's signals: a kind is evidence of what a workload is
	// ("LeaderWorkerSet" of multi-host serving), data of the classifier.
	"audit/signals.go": "evidence",
	// Synthetic pods for the benchmarks: fixture data.
	"internal/synth/synth.go": "fixtures",
}

// TestWorkloadKindsAreNamedOnlyInTheRegistry parses every Go file of the
// module but tests and the registry, and fails on a string literal that is the
// name of a workload kind: the code asks the registry instead. Pod is
// left out: it is the unit of the audit, not one kind among others.
func TestWorkloadKindsAreNamedOnlyInTheRegistry(t *testing.T) {
	names := map[string]bool{}
	for _, k := range All() {
		if k.Workload() && k != Pod {
			names[k.Kind] = true
		}
	}
	root := ".."
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			switch {
			case rel == "kinds", rel != "." && strings.HasPrefix(d.Name(), "."), d.Name() == "testdata", d.Name() == "bin":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") || namedElsewhere[rel] != "" {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if s, err := strconv.Unquote(lit.Value); err == nil && names[s] {
				t.Errorf("%s: %q: ask the registry (kinds) instead of naming the kind", fset.Position(lit.Pos()), s)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Errorf("only %d Go files checked: is the walk rooted at the module?", checked)
	}
}
