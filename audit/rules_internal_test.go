package audit

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestRuleTable: every rule is one complete value: a unique stable ID
// and name, texts for people, a check, and a remedy that either fixes
// (security-context rules with their Harden) or says why it does not;
// and fixtures under testdata/rules/<ID>.
func TestRuleTable(t *testing.T) {
	idShape := regexp.MustCompile(`^TG-(ISO|NET|IDN|PSS|GPU|SCH)-\d{3}$`)
	ids, names := map[string]bool{}, map[string]bool{}
	for _, r := range Rules() {
		if !idShape.MatchString(r.ID) || ids[r.ID] || names[r.Name] {
			t.Errorf("%s %s: ID malformed or ID/name repeated", r.ID, r.Name)
		}
		ids[r.ID], names[r.Name] = true, true
		if r.Title == "" || r.Rationale == "" || r.Fix == "" || r.Category == "" || r.Severity == "" {
			t.Errorf("%s: texts, category and severity are required", r.ID)
		}
		if r.check == nil {
			t.Errorf("%s: no check", r.ID)
		}
		switch r.Remedy.Kind {
		case RemedySecurityContext:
			if r.Remedy.Harden == nil || r.Remedy.Sets == "" {
				t.Errorf("%s: a security-context remedy needs Harden and Sets", r.ID)
			}
		case RemedyManual:
			if r.Remedy.Manual == "" {
				t.Errorf("%s: a manual remedy needs its reason", r.ID)
			}
		case RemedyRuntimeClass, RemedyEgressPolicy, RemedyServiceAccount:
		default:
			t.Errorf("%s: remedy %q unknown", r.ID, r.Remedy.Kind)
		}
		if r.Remedy.Kind != RemedySecurityContext && r.Remedy.Harden != nil {
			t.Errorf("%s: Harden on a %s remedy is never called", r.ID, r.Remedy.Kind)
		}
		if fx, _ := filepath.Glob(filepath.Join("testdata", "rules", r.ID, "*.yaml")); len(fx) == 0 {
			t.Errorf("%s: no fixtures in testdata/rules/%s", r.ID, r.ID)
		}
		if got, ok := RuleByID(r.ID); !ok || got.Name != r.Name {
			t.Errorf("%s: RuleByID", r.ID)
		}
	}
	// No fixture directory for a rule that is not in the table.
	dirs, err := os.ReadDir(filepath.Join("testdata", "rules"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !ids[d.Name()] {
			t.Errorf("testdata/rules/%s: no such rule", d.Name())
		}
	}
}

// Each security-context remedy changes what its rule looks at, and a
// container-only remedy leaves a pod-level finding to a person.
func TestHardenRemedies(t *testing.T) {
	for _, id := range RulesOf(RemedySecurityContext) {
		r, _ := RuleByID(id)
		spec := &corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}
		left, _ := r.Remedy.Harden(spec, &spec.Containers[0])
		if left != "" {
			t.Errorf("%s: a plain container was left: %s", id, left)
		}
		if spec.SecurityContext == nil && spec.Containers[0].SecurityContext == nil {
			t.Errorf("%s: changed nothing", id)
		}
	}
	priv := true
	c := corev1.Container{Name: "c", SecurityContext: &corev1.SecurityContext{Privileged: &priv}}
	spec := &corev1.PodSpec{Containers: []corev1.Container{c}}
	if left, _ := hardenEscalation(spec, &spec.Containers[0]); left == "" || spec.Containers[0].SecurityContext.AllowPrivilegeEscalation != nil {
		t.Errorf("escalation on a privileged container: left %q, set %v", left, spec.Containers[0].SecurityContext.AllowPrivilegeEscalation)
	}
	if left, _ := hardenDropAll(&corev1.PodSpec{}, nil); left != podLevel {
		t.Errorf("pod-level drop ALL: %q", left)
	}
}

// runAsNonRoot next to runAsUser: 0 would keep the pods from starting: the
// fix leaves it for a person.
func TestHardenRunAsNonRootLeavesUID0(t *testing.T) {
	zero := int64(0)
	for _, spec := range []*corev1.PodSpec{
		{Containers: []corev1.Container{{Name: "c", SecurityContext: &corev1.SecurityContext{RunAsUser: &zero}}}},
		{SecurityContext: &corev1.PodSecurityContext{RunAsUser: &zero}, Containers: []corev1.Container{{Name: "c"}}},
	} {
		if left, _ := hardenRunAsNonRoot(spec, &spec.Containers[0]); left == "" || spec.SecurityContext != nil && spec.SecurityContext.RunAsNonRoot != nil {
			t.Errorf("left %q, pod securityContext %+v", left, spec.SecurityContext)
		}
	}
	one := int64(1000)
	spec := &corev1.PodSpec{SecurityContext: &corev1.PodSecurityContext{RunAsUser: &zero}, Containers: []corev1.Container{{Name: "c", SecurityContext: &corev1.SecurityContext{RunAsUser: &one}}}}
	if left, _ := hardenRunAsNonRoot(spec, &spec.Containers[0]); left != "" {
		t.Errorf("every container overrides the pod's UID 0, yet left: %s", left)
	}
}
