package remediate_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/kinds"
	"github.com/tiergate/tiergate/remediate"
)

// TestFixesOfKindsSharingANameStayApart: agent-sandbox's and OpenKruise's
// Sandbox, one name in one namespace, each get their own change, of their
// own group and template path: a result is matched to its workload by
// group, not by kind name alone.
func TestFixesOfKindsSharingANameStayApart(t *testing.T) {
	_, inv, e := read(t, "../cmd/testdata/two-sandboxes.yaml")
	opts := audit.Options{Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	res, err := remediate.Compute(e, inv, e.Audit(inv, opts), remediate.Options{Audit: opts})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		kinds.Sandbox.APIVersion():       "/spec/podTemplate/spec/",
		kinds.KruiseSandbox.APIVersion(): "/spec/template/spec/",
	}
	got := map[string]int{}
	for _, c := range res.Changes {
		if c.Target.Kind != kinds.Sandbox.Kind {
			continue
		}
		got[c.Target.APIVersion]++
		if prefix, ok := want[c.Target.APIVersion]; !ok || !strings.Contains(string(c.JSONPatch), prefix) {
			t.Errorf("%s: %s", c.Target.APIVersion, c.JSONPatch)
		}
	}
	if len(got) != 2 || got[kinds.Sandbox.APIVersion()] != 1 || got[kinds.KruiseSandbox.APIVersion()] != 1 {
		t.Errorf("changes per group %v, want one each", got)
	}
}
