package ui

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"

	"github.com/tiergate/tiergate/audit"
)

// TestDetailSaysTheNamespaceEnforces: the detail names the namespace's
// enforce level as the reason a fix is required, and says nothing when
// the namespace enforces nothing (or its labels are unknown).
func TestDetailSaysTheNamespaceEnforces(t *testing.T) {
	st := NewStyles()
	d := newDetailView(&st, &outbox{}, false)
	d.SetSize(200, 60)
	base := audit.Result{Kind: "Deployment", Namespace: "agents", Name: "a", Type: "agent"}
	for _, tc := range []struct {
		name string
		ps   *audit.NamespacePodSecurity
		want string
	}{
		{"restricted", &audit.NamespacePodSecurity{Enforce: "restricted:latest"}, "namespace agents enforces Pod Security restricted:latest"},
		{"baseline at a version", &audit.NamespacePodSecurity{Enforce: "baseline:v1.30"}, "enforces Pod Security baseline:v1.30"},
		{"privileged", &audit.NamespacePodSecurity{Enforce: "privileged:latest", Warn: "restricted:latest"}, ""},
		{"unknown", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := base
			r.NamespacePodSecurity = tc.ps
			out := lipgloss.NewStyle().Render(d.render(&r))
			has := strings.Contains(out, "enforces Pod Security")
			switch {
			case tc.want == "" && has:
				t.Errorf("want no enforce line, got:\n%s", out)
			case tc.want != "" && !strings.Contains(out, tc.want):
				t.Errorf("want %q in:\n%s", tc.want, out)
			}
		})
	}
}
