//go:build integration

package cmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/tiergate/tiergate/internal/seed"
)

// TestLiveJSONStreamedIsTheWholeAudit: the live -o json audit, written a
// namespace at a time as the pods list, is the document the audit of the
// whole inventory writes (-o yaml is that document as YAML): the same
// workloads in the same order, nodes with their pod counts, summary and
// gaps. Its gates are the same: --fail-on by its summary, and a baseline
// of itself finds every finding unchanged.
func TestLiveJSONStreamedIsTheWholeAudit(t *testing.T) {
	seedExample(t)
	if _, err := seed.WaitRollout(context.Background(), cl.Config, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	streamed, errOut, code := run(t, "", "audit", "--kubeconfig", cl.Kubeconfig, "-A", "-o", "json")
	if code != 0 {
		t.Fatalf("-o json: exit %d: %s", code, errOut)
	}
	whole, errOut, code := run(t, "", "audit", "--kubeconfig", cl.Kubeconfig, "-A", "-o", "yaml")
	if code != 0 {
		t.Fatalf("-o yaml: exit %d: %s", code, errOut)
	}
	var got, want map[string]any
	if err := json.Unmarshal([]byte(streamed), &got); err != nil {
		t.Fatalf("-o json: %v", err)
	}
	wholeJSON, err := yaml.YAMLToJSON([]byte(whole))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(wholeJSON, &want); err != nil {
		t.Fatal(err)
	}
	if ws, _ := got["workloads"].([]any); len(ws) < 10 || got["nodes"] == nil {
		t.Fatalf("the streamed report has %d workloads and nodes %v", len(ws), got["nodes"] != nil)
	}
	for _, key := range []string{"workloads", "nodes", "summary", "notVisible", "empty"} {
		if !reflect.DeepEqual(got[key], want[key]) {
			a, _ := json.Marshal(got[key])
			b, _ := json.Marshal(want[key])
			t.Errorf("%s differs:\n%.2000s\nwant:\n%.2000s", key, a, b)
		}
	}

	summary := got["summary"].(map[string]any)
	critical := summary["bySeverity"].(map[string]any)["critical"].(float64)
	_, _, code = run(t, "", "audit", "--kubeconfig", cl.Kubeconfig, "-A", "-o", "json", "--fail-on", "critical")
	if wantCode := map[bool]int{true: ExitFindings, false: 0}[critical > 0]; code != wantCode {
		t.Errorf("--fail-on critical with %v critical findings: exit %d, want %d", critical, code, wantCode)
	}
	base := filepath.Join(t.TempDir(), "baseline.json")
	if err := os.WriteFile(base, []byte(streamed), 0o600); err != nil {
		t.Fatal(err)
	}
	marked := map[string]map[string]any{}
	for _, format := range []string{"json", "yaml"} {
		out, errOut, code := run(t, "", "audit", "--kubeconfig", cl.Kubeconfig, "-A", "-o", format, "--baseline", base, "--fail-on-new", "low")
		if code != 0 {
			t.Fatalf("-o %s --baseline of itself: exit %d: %s", format, code, errOut)
		}
		js, err := yaml.YAMLToJSON([]byte(out)) // JSON is YAML too
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(js, &doc); err != nil {
			t.Fatal(err)
		}
		marked[format], _ = doc["baseline"].(map[string]any)
	}
	if b := marked["json"]; b == nil || b["new"] != float64(0) || b["unchanged"] == float64(0) || !reflect.DeepEqual(b, marked["yaml"]) {
		t.Errorf("baseline of itself, streamed: %v; whole: %v", b, marked["yaml"])
	}
}
