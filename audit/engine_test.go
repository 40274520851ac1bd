package audit_test

import (
	"strings"
	"testing"

	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

func ruleIDs(r audit.Result) map[string]bool {
	ids := map[string]bool{}
	for _, f := range r.Findings {
		ids[f.Rule] = true
	}
	return ids
}

// TestApplyToAllPods: the flag extends the minimum policy set to pods that
// are not LLM workloads, but never the isolation tiers.
func TestApplyToAllPods(t *testing.T) {
	plain := pod("Deployment", "web", nil, ctr("nginx:1.27"))
	plain.Templates[0].Spec.RuntimeClassName = ptr.To("no-such-class")
	inv := func() *audit.Inventory {
		return &audit.Inventory{Workloads: []audit.Workload{plain}, RuntimeClassesComplete: true}
	}

	off := classifyOne(t, policy.Default(), inv())
	if off.Type != policy.None {
		t.Fatalf("nginx classified %s", off.Type)
	}
	if len(off.Findings) != 0 {
		t.Errorf("without applyToAllPods a non-LLM pod has findings: %v", ruleIDs(off))
	}

	pol := policy.Default()
	pol.ApplyToAllPods = true
	on := ruleIDs(classifyOne(t, pol, inv()))
	for _, want := range []string{audit.RuleRunAsRoot, audit.RuleSeccomp, audit.RuleTokenAutomount} {
		if !on[want] {
			t.Errorf("applyToAllPods: want %s, got %v", want, on)
		}
	}
	for _, not := range []string{audit.RuleBelowTier, audit.RuleUnknownHandler, audit.RuleMissingClass} {
		if on[not] {
			t.Errorf("applyToAllPods ran isolation rule %s on a non-LLM pod", not)
		}
	}
}

func TestDisabledRuleNeverReports(t *testing.T) {
	w := pod("Deployment", "llm", nil, ctr("vllm/vllm-openai:v0.9.2"))
	inv := &audit.Inventory{Workloads: []audit.Workload{w}}
	if !ruleIDs(classifyOne(t, policy.Default(), inv))[audit.RuleSeccomp] {
		t.Fatalf("the fixture should fire %s with the default policy", audit.RuleSeccomp)
	}
	pol := policy.Default()
	pol.Rules = map[string]policy.RuleOverride{audit.RuleSeccomp: {Disabled: true}}
	if ids := ruleIDs(classifyOne(t, pol, inv)); ids[audit.RuleSeccomp] {
		t.Errorf("disabled %s still reported", audit.RuleSeccomp)
	}
}

func TestNewEngineRejectsUnknownRule(t *testing.T) {
	pol := policy.Default()
	pol.Rules = map[string]policy.RuleOverride{"TG-NOPE-001": {Severity: policy.Low}}
	_, err := audit.NewEngine(pol)
	if err == nil || !strings.Contains(err.Error(), "TG-NOPE-001") {
		t.Fatalf("want an error naming TG-NOPE-001, got %v", err)
	}
}
