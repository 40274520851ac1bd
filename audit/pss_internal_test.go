package audit

import (
	"testing"

	psspolicy "k8s.io/pod-security-admission/policy"
)

// TestEveryLibraryCheckHasARule: a library upgrade that adds a control
// must add its mapping (and a fixture), not fall into the catch-all.
func TestEveryLibraryCheckHasARule(t *testing.T) {
	idx := ruleIndex()
	for _, c := range psspolicy.DefaultChecks() {
		m, ok := pssRules[c.ID]
		if !ok {
			t.Errorf("library check %s has no entry in pssRules", c.ID)
			continue
		}
		if r, ok := idx[m.rule]; !ok || r.Category != CatPodSecurity {
			t.Errorf("library check %s maps to %s, not a pod-security rule", c.ID, m.rule)
		}
	}
}
