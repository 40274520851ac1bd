package audit_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/synth"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/policy"
)

// TestAuditByNamespaceEqualsStream: fed one namespace at a time, the
// audit hands over the same results in the same order, and ends with the
// same nodes (pods counted and GPUs allocated across namespaces), summary
// and gaps, as Stream over the whole inventory: on the example platform,
// on every rule fixture, on warm pools, on facts that cross namespaces
// (testdata/namespaces) and on synthetic clusters.
func TestAuditByNamespaceEqualsStream(t *testing.T) {
	files := []string{"../examples/llm-platform.yaml", "testdata/namespaces/cross.yaml", "testdata/warmpool/launched.yaml"}
	fixtures, err := filepath.Glob("testdata/rules/*/*.yaml")
	if err != nil || len(fixtures) == 0 {
		t.Fatalf("rule fixtures: %v", err)
	}
	files = append(files, fixtures...)
	invs := map[string]*audit.Inventory{}
	for _, f := range files {
		objs, err := manifest.Read([]string{f}, nil, manifest.ParseOptions{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		inv, _, err := manifest.Build(objs, manifest.BuildOptions{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		inv.Gaps = []string{"roles: forbidden"} // said at the end as Stream says it
		invs[f] = inv
	}
	invs["synth 3000"] = synth.Cluster(3000, false)
	invs["synth 600 bare"] = synth.Cluster(600, true)
	data, err := os.ReadFile("../examples/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	user, err := policy.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	pol := policy.Merge(policy.Default(), user) // exemptions and overrides too
	for name, p := range map[string]*policy.Policy{"default": policy.Default(), "example": pol} {
		e, err := audit.NewEngine(p)
		if err != nil {
			t.Fatal(err)
		}
		for file, inv := range invs {
			t.Run(name+"/"+file, func(t *testing.T) {
				now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
				var want, got bytes.Buffer
				rep, err := e.Stream(inv, audit.Options{Now: now}, resultsTo(t, &want))
				if err != nil {
					t.Fatal(err)
				}
				writeReport(t, &want, rep)
				na := e.AuditByNamespace(inv, audit.Options{Now: now})
				for _, ns := range namespaces(inv.Workloads) {
					if err := na.Namespace(ns.name, ns.ws, resultsTo(t, &got)); err != nil {
						t.Fatal(err)
					}
				}
				writeReport(t, &got, na.Close())
				if !bytes.Equal(want.Bytes(), got.Bytes()) {
					t.Errorf("namespace at a time differs from Stream:\n%s", firstLineDiff(want.String(), got.String()))
				}
				if strings.Count(want.String(), "\n") < 3 {
					t.Errorf("nothing compared: %s", want.String())
				}
			})
		}
	}
}

// TestAuditByNamespaceOrder: a namespace handed over twice, out of order,
// or with another namespace's workloads is refused, not audited wrongly.
func TestAuditByNamespaceOrder(t *testing.T) {
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	w := pod("Deployment", "svc", nil, ctr("nginx:1.27"))
	w.Namespace = "b"
	none := func(*audit.Result) error { return nil }
	na := e.AuditByNamespace(&audit.Inventory{}, audit.Options{})
	defer na.Close()
	if err := na.Namespace("b", []audit.Workload{w}, none); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ns string
		ws []audit.Workload
	}{{"b", nil}, {"a", nil}, {"c", []audit.Workload{w}}} {
		if err := na.Namespace(tc.ns, tc.ws, none); err == nil {
			t.Errorf("namespace %q after b with %d workloads: no error", tc.ns, len(tc.ws))
		}
	}
}

type nsWorkloads struct {
	name string
	ws   []audit.Workload
}

// namespaces splits workloads by namespace, in ascending order, each
// keeping the inventory's order.
func namespaces(ws []audit.Workload) []nsWorkloads {
	by := map[string][]audit.Workload{}
	for _, w := range ws {
		by[w.Namespace] = append(by[w.Namespace], w)
	}
	var out []nsWorkloads
	for name, ws := range by {
		out = append(out, nsWorkloads{name, ws})
	}
	slices.SortFunc(out, func(a, b nsWorkloads) int { return strings.Compare(a.name, b.name) })
	return out
}

func resultsTo(t *testing.T, buf *bytes.Buffer) func(*audit.Result) error {
	return func(r *audit.Result) error {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
		return nil
	}
}

func writeReport(t *testing.T, buf *bytes.Buffer, rep *audit.Report) {
	b, err := json.MarshalIndent(rep, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	buf.Write(b)
}

func firstLineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range min(len(w), len(g)) {
		if w[i] != g[i] {
			return "want: " + w[i] + "\n got: " + g[i]
		}
	}
	return "lengths differ"
}
