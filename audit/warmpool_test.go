package audit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/testaudit"
	"github.com/tiergate/tiergate/policy"
)

// TestLaunchedFromTemplate: a SandboxTemplate's result counts the
// sandboxes running from it, warm in its pools (stale ones said) and
// claimed, by the template's name hash agent-sandbox puts on them or,
// without it, their pool's template; under Recreate none is stale, as the
// pool replaces them itself. Other kinds have no count.
func TestLaunchedFromTemplate(t *testing.T) {
	inv, _ := testaudit.Files(t, "testdata/warmpool/launched.yaml")
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		strategy          string
		python            audit.Launched
		staleFindingsPods []string
	}{
		{"", audit.Launched{Sandboxes: 5, Warm: 3, Claimed: 2, Stale: 1}, []string{"python-pool-stale"}},
		{"OnReplenish", audit.Launched{Sandboxes: 5, Warm: 3, Claimed: 2, Stale: 1}, []string{"python-pool-stale"}},
		{"Recreate", audit.Launched{Sandboxes: 5, Warm: 3, Claimed: 2}, nil},
	} {
		t.Run("strategy="+tc.strategy, func(t *testing.T) {
			if len(inv.WarmPools) != 1 {
				t.Fatalf("warm pools %+v", inv.WarmPools)
			}
			inv.WarmPools[0].Strategy = tc.strategy
			rep := e.Audit(inv, audit.Options{Now: time.Now()})
			got := map[string]*audit.Launched{}
			var stale []string
			for _, r := range rep.Workloads {
				if r.Launched != nil {
					got[r.Kind+"/"+r.Name] = r.Launched
				}
				for _, f := range r.Findings {
					if f.Rule == audit.RuleWarmPoolStale {
						stale = append(stale, r.Name)
					}
				}
			}
			if len(got) != 2 {
				t.Fatalf("counts on %d results, want the 2 templates: %v", len(got), got)
			}
			if l := got["SandboxTemplate/python-template"]; l == nil || *l != tc.python {
				t.Errorf("python-template launched %+v, want %+v", l, tc.python)
			}
			if l := got["SandboxTemplate/code-template"]; l == nil || *l != (audit.Launched{}) {
				t.Errorf("code-template launched %+v, want zero", l)
			}
			if strings.Join(stale, ",") != strings.Join(tc.staleFindingsPods, ",") {
				t.Errorf("stale findings on %v, want %v", stale, tc.staleFindingsPods)
			}
		})
	}
}

// TestWarmPoolsOf: a pool names its template whether or not the template
// is in the input (its pod template only when it is), and its strategy as
// written.
func TestWarmPoolsOf(t *testing.T) {
	inv, _ := testaudit.Files(t, "testdata/rules/TG-ISO-006/fail-label-only-privileged.yaml")
	if len(inv.WarmPools) != 1 {
		t.Fatalf("warm pools %+v", inv.WarmPools)
	}
	p := inv.WarmPools[0]
	if p.Namespace != "agents" || p.Name != "python-pool" || p.Template != "python-template" || p.Strategy != "OnReplenish" || p.Current == nil || p.Current.Spec == nil {
		t.Errorf("pool %+v", p)
	}
	missing := audit.WarmPoolsOf([]audit.Workload{{Kind: "SandboxWarmPool", Namespace: "a", Name: "p", Extra: audit.Extra{TemplateRef: "SandboxTemplate/gone", UpdateStrategy: "Recreate"}}})
	if len(missing) != 1 || missing[0].Template != "gone" || missing[0].Current != nil || missing[0].Strategy != "Recreate" {
		t.Errorf("pool without its template %+v", missing)
	}
}

// NameHash is agent-sandbox's FNV-1a label value: the standard vectors,
// and the values its controllers put on the fixtures' pods.
func TestNameHash(t *testing.T) {
	for in, want := range map[string]string{"": "811c9dc5", "a": "e40c292c", "foobar": "bf9cf968", "python-pool": "ed572cc4", "python-template": "cede6d20"} {
		if got := audit.NameHash(in); got != want {
			t.Errorf("NameHash(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestWarmPoolStaleMessage: the finding names the pool, the template (or
// that the pool now names another), every difference with the old and
// the new value, what replaces the pod, and the command that rolls it.
func TestWarmPoolStaleMessage(t *testing.T) {
	for file, parts := range map[string][]string{
		"fail-onreplenish-shared-kernel-pod.yaml": {"warm pool python-pool made this pod from an older version of SandboxTemplate python-template: ", `runtimeClassName (none) → "gvisor"`,
			"The pool's OnReplenish strategy keeps it until a claim adopts it", "its replacement runs the template's current isolation, gvisor (RuntimeClass gvisor, handler runsc)",
			"kubectl delete sandbox python-pool-x7k2p -n agents", "spec.updateStrategy.type: Recreate"},
		"fail-label-only-privileged.yaml":  {`the securityContext of container "python-runtime"`, "shared-kernel (no runtimeClassName)"},
		"fail-pool-switched-template.yaml": {"made this pod from another SandboxTemplate than the python-gvisor it names now: "},
	} {
		_, rep := testaudit.Files(t, "testdata/rules/TG-ISO-006/"+file)
		var msgs []string
		for _, r := range rep.Workloads {
			for _, f := range r.Findings {
				if f.Rule == audit.RuleWarmPoolStale {
					msgs = append(msgs, f.Message)
				}
			}
		}
		if len(msgs) != 1 {
			t.Errorf("%s: %d TG-ISO-006 findings: %q", file, len(msgs), msgs)
			continue
		}
		for _, p := range parts {
			if !strings.Contains(msgs[0], p) {
				t.Errorf("%s: message lacks %q:\n%s", file, p, msgs[0])
			}
		}
	}
}
