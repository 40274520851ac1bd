package cmd

import (
	"encoding/json"
	"testing"
)

// TestAuditJSONLaunchedAndStale: -o json gives a SandboxTemplate's count
// of the sandboxes launched from it (launched: sandboxes, warm, claimed,
// stale) and the stale warm pod its TG-ISO-006 finding.
func TestAuditJSONLaunchedAndStale(t *testing.T) {
	out, errOut, code := run(t, "", "audit", "-f", "../audit/testdata/warmpool/launched.yaml", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Workloads []struct {
			Kind, Name string
			Launched   map[string]int `json:"launched"`
			Findings   []struct{ Rule, Severity string }
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var launched map[string]int
	stale := map[string]string{}
	for _, w := range doc.Workloads {
		if w.Kind == "SandboxTemplate" && w.Name == "python-template" {
			launched = w.Launched
		}
		for _, f := range w.Findings {
			if f.Rule == "TG-ISO-006" {
				stale[w.Name] = f.Severity
			}
		}
	}
	want := map[string]int{"sandboxes": 5, "warm": 3, "claimed": 2, "stale": 1}
	if len(launched) != len(want) {
		t.Fatalf("launched %v, want %v", launched, want)
	}
	for k, v := range want {
		if launched[k] != v {
			t.Errorf("launched.%s = %d, want %d", k, launched[k], v)
		}
	}
	if len(stale) != 1 || stale["python-pool-stale"] != "high" {
		t.Errorf("TG-ISO-006 on %v, want python-pool-stale high", stale)
	}
}
