package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

// TestTemplateStatusCountsSandboxes: -o wide says how many sandboxes run
// from a SandboxTemplate.
func TestTemplateStatusCountsSandboxes(t *testing.T) {
	rep := &audit.Report{Workloads: []audit.Result{{Kind: "SandboxTemplate", Namespace: "agents", Name: "py", Type: policy.CodeExec,
		Status: &audit.Status{Status: audit.StatusTemplate}, Launched: &audit.Launched{Sandboxes: 5, Warm: 3, Claimed: 2}}}}
	var b bytes.Buffer
	if err := Render(&b, rep, "wide", Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Template: 5 sandboxes") {
		t.Errorf("wide lacks the count:\n%s", b.String())
	}
}
