package remediate

import (
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"

	"github.com/tiergate/tiergate/audit"
)

// added holds objects a fix would create, seen by the re-audit as if they
// existed.
type added struct {
	runtimeClasses  []nodev1.RuntimeClass
	networkPolicies []networkingv1.NetworkPolicy
}

// reaudit audits the workload with specs as its pod templates (nil keeps
// a template's own), alone, against the inventory's cluster objects plus
// what fixes would add. A live pod is audited as the new pod its owner
// would create: not yet on a node, so the scheduling pre-check looks at
// every node.
func (p *planner) reaudit(w *audit.Workload, specs []*corev1.PodSpec, add added) audit.Result {
	c := *w
	c.Templates = append([]audit.PodTemplate(nil), w.Templates...)
	for i, s := range specs {
		if s != nil {
			c.Templates[i].Spec = s
		}
	}
	c.NodeName, c.Phase = "", ""
	inv := *p.inv
	inv.Workloads = []audit.Workload{c}
	if len(p.accounts) > 0 {
		inv.ServiceAccounts = p.withoutToken()
	}
	if len(add.runtimeClasses) > 0 || len(p.planned) > 0 {
		inv.RuntimeClasses = append(p.classes(), add.runtimeClasses...)
	}
	if len(add.networkPolicies) > 0 {
		inv.NetworkPolicies = append(append([]networkingv1.NetworkPolicy(nil), p.inv.NetworkPolicies...), add.networkPolicies...)
	}
	rep := p.e.Audit(&inv, p.opts)
	return rep.Workloads[0]
}

// auditAsIs audits a workload against the inventory as it is, without
// the ServiceAccounts and RuntimeClasses the fixes so far plan: what an
// owner's template still has before any fix lands.
func (p *planner) auditAsIs(w *audit.Workload) audit.Result {
	c := *w
	c.NodeName, c.Phase = "", ""
	inv := *p.inv
	inv.Workloads = []audit.Workload{c}
	return p.e.Audit(&inv, p.opts).Workloads[0]
}

// classes are the RuntimeClasses of the inventory plus those the fixes
// so far create (sorted by name: the choice must not depend on map order).
func (p *planner) classes() []nodev1.RuntimeClass {
	out := append([]nodev1.RuntimeClass(nil), p.inv.RuntimeClasses...)
	names := slices.Sorted(maps.Keys(p.planned))
	for _, n := range names {
		out = append(out, *p.planned[n])
	}
	return out
}

// withSpec is the templates' specs with one replaced.
func withSpec(w *audit.Workload, ti int, spec *corev1.PodSpec) []*corev1.PodSpec {
	specs := make([]*corev1.PodSpec, len(w.Templates))
	specs[ti] = spec
	return specs
}

// has returns the findings of the result whose rule is in rules.
func has(r audit.Result, rules ...string) []audit.Finding {
	var out []audit.Finding
	for _, f := range r.Findings {
		for _, id := range rules {
			if f.Rule == id {
				out = append(out, f)
			}
		}
	}
	return out
}
