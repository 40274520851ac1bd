package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// baselineOf writes the JSON report of a file as a baseline.
func baselineOf(t *testing.T, file string) string {
	t.Helper()
	out, errOut, code := run(t, "", "audit", "-f", file, "-o", "json")
	if code != 0 {
		t.Fatalf("audit -o json: exit %d: %s", code, errOut)
	}
	path := filepath.Join(t.TempDir(), "baseline.json")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestAuditBaseline: against a baseline, a rollout's findings are
// unchanged, the one it brings is new, the gone pod's are resolved; the
// table, JSON and SARIF say so; --fail-on-new fails only at or above the
// new finding's severity.
func TestAuditBaseline(t *testing.T) {
	base := baselineOf(t, "../baseline/testdata/before.yaml")
	after := "../baseline/testdata/after.yaml"

	out, errOut, code := run(t, "", "audit", "-f", after, "--baseline", base)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"NEW SINCE THE BASELINE (1)", "TG-IDN-001 sa-token-automount  team       Deployment/web", "RESOLVED SINCE THE BASELINE (9)", "critical  TG-PSS-007", "since the baseline: 1 new, 7 unchanged, 9 resolved"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}

	out, _, _ = run(t, "", "audit", "-f", after, "--baseline", base, "-o", "json")
	var rep struct {
		Workloads []struct {
			Findings []struct{ Rule, Baseline string }
		}
		Baseline struct {
			New, Unchanged int
			Resolved       []struct{ Rule string }
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, f := range rep.Workloads[0].Findings {
		states[f.Baseline]++
	}
	if states["new"] != 1 || states["unchanged"] != 7 || rep.Baseline.New != 1 || len(rep.Baseline.Resolved) != 9 {
		t.Errorf("JSON: states %v, baseline %+v", states, rep.Baseline)
	}

	out, _, _ = run(t, "", "audit", "-f", after, "--baseline", base, "-o", "sarif")
	if strings.Count(out, `"baselineState": "new"`) != 1 || strings.Count(out, `"baselineState": "unchanged"`) != 7 {
		t.Errorf("SARIF baselineState: %d new, %d unchanged", strings.Count(out, `"baselineState": "new"`), strings.Count(out, `"baselineState": "unchanged"`))
	}

	if _, errOut, code := run(t, "", "audit", "-f", after, "--baseline", base, "--fail-on-new", "high"); code != 0 {
		t.Errorf("--fail-on-new high: exit %d (the new finding is medium): %s", code, errOut)
	}
	_, errOut, code = run(t, "", "audit", "-f", after, "--baseline", base, "--fail-on-new", "medium")
	if code != ExitFindings || !strings.Contains(errOut, "1 new finding at or above medium since the baseline") {
		t.Errorf("--fail-on-new medium: exit %d: %s", code, errOut)
	}
	// The baseline against itself: nothing new, whatever --fail-on-new.
	if _, errOut, code := run(t, "", "audit", "-f", "../baseline/testdata/before.yaml", "--baseline", base, "--fail-on-new", "low"); code != 0 {
		t.Errorf("the baseline's own input: exit %d: %s", code, errOut)
	}
}

// TestDiff: tiergate diff compares two reports as --baseline does.
func TestDiff(t *testing.T) {
	before := baselineOf(t, "../baseline/testdata/before.yaml")
	after := baselineOf(t, "../baseline/testdata/after.yaml")
	out, errOut, code := run(t, "", "diff", before, after)
	if code != 0 || !strings.Contains(out, "NEW SINCE THE BASELINE (1)") || !strings.Contains(out, "1 new, 7 unchanged, 9 resolved") {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	out, _, code = run(t, "", "diff", before, after, "-o", "json", "--fail-on-new", "medium")
	var d struct {
		New, Resolved []struct{ Rule string }
		Unchanged     int
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if code != ExitFindings || len(d.New) != 1 || d.New[0].Rule != "TG-IDN-001" || len(d.Resolved) != 9 || d.Unchanged != 7 {
		t.Errorf("exit %d, %+v", code, d)
	}
}

// TestBaselineBadInput: a missing or foreign baseline, and --fail-on-new
// alone, are one-line usage errors.
func TestBaselineBadInput(t *testing.T) {
	base := baselineOf(t, "../baseline/testdata/before.yaml")
	notReport := filepath.Join(t.TempDir(), "pods.json")
	if err := os.WriteFile(notReport, []byte(`{"items": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"audit", "-f", "../baseline/testdata/after.yaml", "--baseline", "no-such.json"}, "--baseline: no-such.json: no such file or directory"},
		{[]string{"audit", "-f", "../baseline/testdata/after.yaml", "--baseline", notReport}, `not a tiergate JSON report: it has no "workloads"`},
		{[]string{"audit", "-f", "../baseline/testdata/after.yaml", "--fail-on-new", "high"}, "--fail-on-new needs --baseline FILE"},
		{[]string{"audit", "-f", "../baseline/testdata/after.yaml", "--baseline", base, "--fail-on-new", "severe"}, `--fail-on-new "severe" is not one of`},
		{[]string{"diff", notReport}, "accepts 2 arg(s), received 1"},
		{[]string{"diff", notReport, notReport}, `diff ` + notReport + `: not a tiergate JSON report`},
		{[]string{"diff", "a.json", "b.json", "-o", "yaml"}, `--output "yaml" is not one of table, json`},
	} {
		_, errOut, code := run(t, "", tc.args...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: exit %d, %q; want exit 2 and one line with %q", tc.args, code, errOut, tc.want)
		}
	}
}
