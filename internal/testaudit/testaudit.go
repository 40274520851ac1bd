// Package testaudit audits manifest files for tests the way
// `tiergate audit -f` does: read, build the inventory, audit with the
// default policy.
package testaudit

import (
	"testing"
	"time"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/policy"
)

// Files reads, builds and audits paths; the test fails on any error.
func Files(t testing.TB, paths ...string) (*audit.Inventory, *audit.Report) {
	t.Helper()
	objs, err := manifest.Read(paths, nil, manifest.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inv, _, err := manifest.Build(objs, manifest.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	return inv, e.Audit(inv, audit.Options{Now: time.Now()})
}
