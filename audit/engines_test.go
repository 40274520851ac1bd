package audit_test

import (
	"strings"
	"testing"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/engines"
	"github.com/tiergate/tiergate/policy"
)

// TestEveryEngineIsAnInferenceServer: each engine of the one table, seen
// running (its image; its command in a plain python image), makes an
// inference server whose evidence names it as the figures do.
func TestEveryEngineIsAnInferenceServer(t *testing.T) {
	for _, e := range engines.All() {
		shapes := map[string]audit.Workload{"image": pod("Deployment", "svc", nil, ctr("registry.example/team/"+e.Images[0]+":1.0"))}
		if len(e.Commands) > 0 {
			shapes["command"] = pod("Deployment", "svc", nil, ctr("python:3.12", e.Commands[0], "--port", "8000"))
		}
		for how, w := range shapes {
			r := classifyOne(t, policy.Default(), &audit.Inventory{Workloads: []audit.Workload{w}})
			if r.Type != policy.Inference || !strings.Contains(strings.Join(audit.Texts(r.Evidence), "; "), "("+e.Name+")") {
				t.Errorf("%s by its %s: %s, evidence %q; want inference naming %q", e.Name, how, r.Type, audit.Texts(r.Evidence), e.Name)
			}
		}
	}
}
