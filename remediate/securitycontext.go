package remediate

import (
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/tiergate/tiergate/audit"
)

// hardenRules are the rules a securityContext fix resolves, in catalog
// order.
var hardenRules = audit.RulesOf(audit.RemedySecurityContext)

// hardenWhat names the settings a securityContext fix makes, in catalog
// order.
func hardenWhat(fs []audit.Finding) []string {
	var out []string
	for _, id := range hardenRules {
		if slices.ContainsFunc(fs, func(f audit.Finding) bool { return f.Rule == id }) {
			r, _ := audit.RuleByID(id)
			out = append(out, r.Remedy.Sets)
		}
	}
	return out
}

// harden applies the securityContext fixes for fs to spec (a DeepCopy),
// each by its rule's Remedy.Harden. It returns the findings it fixed,
// those it leaves to a human (with the reason), and what the user must
// know.
func harden(spec *corev1.PodSpec, fs []audit.Finding) (done []audit.Finding, left []leftover, warnings []string) {
	warned := map[string]bool{}
	for _, f := range fs {
		r, ok := audit.RuleByID(f.Rule)
		if !ok || r.Remedy.Harden == nil {
			continue
		}
		var c *corev1.Container
		if f.Container != "" {
			// A finding without a container is the pod's own setting
			// (runAsNonRoot: false, seccomp Unconfined on the pod).
			if c = container(spec, f.Container); c == nil {
				left = append(left, leftover{f, "container " + f.Container + " is not in the pod template"})
				continue
			}
		}
		why, warning := r.Remedy.Harden(spec, c)
		if why != "" {
			left = append(left, leftover{f, why})
			continue
		}
		if warning != "" && !warned[warning] {
			warned[warning] = true
			warnings = append(warnings, warning)
		}
		done = append(done, f)
	}
	return done, left, warnings
}

// leftover is a finding a fix does not resolve, with the reason.
type leftover struct {
	f   audit.Finding
	why string
}

// container finds a container or init container by name.
func container(spec *corev1.PodSpec, name string) *corev1.Container {
	for i := range spec.InitContainers {
		if spec.InitContainers[i].Name == name {
			return &spec.InitContainers[i]
		}
	}
	for i := range spec.Containers {
		if spec.Containers[i].Name == name {
			return &spec.Containers[i]
		}
	}
	return nil
}
