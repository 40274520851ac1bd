package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/testaudit"
)

// TestHTMLReport: one self-contained file (nothing loaded from anywhere
// when opened), with the summary, the isolation-by-type matrix marking
// what is below the tier, every finding once, and each workload's
// evidence and fixes; text is escaped.
func TestHTMLReport(t *testing.T) {
	_, rep := testaudit.Files(t, "../examples/llm-platform.yaml")
	var b bytes.Buffer
	if err := Render(&b, rep, "html", Options{Now: reportTime, ToolVersion: "v-test", Scope: "-n x"}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if m := regexp.MustCompile(`(?i)(src|href)\s*=\s*"(https?:)?//`).FindString(page); m != "" || strings.Contains(page, "@import") {
		t.Errorf("the page loads something: %q", m)
	}
	if n := strings.Count(page, "<tr data-rank="); n != rep.Summary.Findings {
		t.Errorf("%d finding rows for %d findings", n, rep.Summary.Findings)
	}
	if n := strings.Count(page, "<details id="); n != len(rep.Workloads) {
		t.Errorf("%d workload details for %d workloads", n, len(rep.Workloads))
	}
	below := 0
	for _, r := range rep.Workloads {
		if r.Verdict == audit.VerdictBelowTier || r.Verdict == audit.VerdictCritical {
			below++
		}
	}
	if below > 0 && !strings.Contains(page, `class="num below"`) {
		t.Error("no matrix cell marks isolation below the tier")
	}
	for _, want := range []string{"<h2>Summary</h2>", "<tr><td>code-exec</td><td>microvm</td>", "generated 2026-12-06T00:00:00Z", "tiergate v-test", "fix: "} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// Escaped: a message with markup stays text.
	evil := &audit.Report{Workloads: []audit.Result{{Kind: "Pod", Namespace: "n", Name: "<script>alert(1)</script>",
		Findings: []audit.Finding{{Rule: "TG-NET-001", Severity: "medium", Message: `<img src=x onerror=alert(1)>`}}}}}
	b.Reset()
	if err := Render(&b, evil, "html", Options{Now: reportTime}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "<script>alert") || strings.Contains(b.String(), "<img src=x") {
		t.Error("names and messages are not escaped")
	}
}
