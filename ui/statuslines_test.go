package ui

import (
	"strings"
	"testing"

	"github.com/tiergate/tiergate/audit"
)

// TestStatusLinesOfATemplate: a SandboxTemplate's detail says it is a
// template the sandboxes run, not a resource whose pods failed, and shows
// no pod phase.
func TestStatusLinesOfATemplate(t *testing.T) {
	got := strings.Join(statusLines(&audit.Result{Kind: "SandboxTemplate", Namespace: "agents", Name: "py", Status: &audit.Status{Status: audit.StatusTemplate}, Launched: &audit.Launched{Sandboxes: 2, Warm: 2}}), "\n")
	if !strings.Contains(got, "a template: the sandboxes") || !strings.Contains(got, "2 sandboxes run from it now") || strings.Contains(got, "phase") || strings.Contains(got, "kubectl describe") {
		t.Errorf("a template's status lines:\n%s", got)
	}
}
