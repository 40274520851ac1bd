package ui

import (
	"charm.land/lipgloss/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

// kernelName says whose kernel an isolation class runs a pod on.
func kernelName(i policy.Isolation) string {
	switch i {
	case policy.SharedKernel:
		return "shared"
	case policy.GVisor:
		return "gVisor"
	case policy.VM:
		return "VM guest"
	case policy.MicroVM:
		return "microVM"
	}
	return "?"
}

// kernelCell is the declared kernel, or once the pod is probed the probed
// one marked ✓ (as declared or stronger), ✗ (weaker: TG-ISO-005) or ?
// (the markers did not decide).
func kernelCell(r *audit.Result) string {
	p := r.Probed
	switch {
	case p == nil:
		return kernelName(r.Isolation)
	case p.Isolation() == "":
		return "? probed"
	case audit.ProbedWeaker(r.Isolation, p.Isolation()):
		return "✗ " + kernelName(p.Isolation())
	}
	return "✓ " + kernelName(p.Isolation())
}

func (t *workloadTable) kernelStyle(r *audit.Result) lipgloss.Style {
	p := r.Probed
	switch {
	case p == nil:
		return lipgloss.NewStyle()
	case p.Isolation() == "":
		return t.styles.Unknown
	case audit.ProbedWeaker(r.Isolation, p.Isolation()):
		return t.styles.Below
	}
	return t.styles.OK
}

// kernelLines are the detail view's account of the kernel: declared, or
// probed with the evidence.
func kernelLines(r *audit.Result) []string {
	p := r.Probed
	if p == nil {
		return []string{"kernel: " + kernelName(r.Isolation) + " (declared by the RuntimeClass; not probed: p probes it)"}
	}
	how := "probed via " + p.Via
	if p.Container != "" {
		how += " in container " + p.Container
	}
	out := []string{"kernel: " + kernelCell(r) + " — " + p.Verdict.String() + ", " + how + "; declared " + kernelName(r.Isolation)}
	for _, e := range p.Evidence {
		out = append(out, "  • "+e)
	}
	for _, c := range p.Conflicts {
		out = append(out, "  ✗ contradicts: "+c)
	}
	if p.Caveat != "" {
		out = append(out, "  note: "+p.Caveat)
	}
	return out
}
