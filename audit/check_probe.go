package audit

import (
	"strings"

	"github.com/tiergate/tiergate/fingerprint"
	"github.com/tiergate/tiergate/policy"
)

// Isolation as a kernel probe found it.
const (
	RuleProbeMismatch = "TG-ISO-005"
)

func probeRules() []Rule {
	return []Rule{
		{
			ID: RuleProbeMismatch, Name: "isolation-probe-mismatch", Category: CatIsolation, Severity: policy.Critical,
			SeverityNote: "runs on every probed pod, LLM workload or not",
			Title:        "The probed kernel is weaker than the RuntimeClass declares",
			Rationale:    "A RuntimeClass says what the operator asked for; only the kernel inside the pod says what it got. A node whose containerd maps a kata or runsc handler to runc runs the pod on the node's kernel while every manifest says it is sandboxed.",
			Fix:          "Check the node's containerd runtime configuration for the handler (kata-deploy, runsc installation) and cordon the node until it runs the handler it reports; then recreate the pod and probe it again.",
			Remedy:       Remedy{Kind: RemedyManual, Manual: "the node's runtime is at fault, not the workload: repair the handler on the node or cordon it"},
			AnyPod:       true,
			check:        checkProbeMismatch,
		},
	}
}

// boundary groups isolation classes by what separates the pod from the
// node: the node's kernel, gVisor's Sentry, a hypervisor. A probe names
// the VMM, not the policy's vm/microvm split (Cloud Hypervisor is either),
// so a mismatch is judged between boundaries, not within one.
func boundary(i policy.Isolation) int {
	switch i {
	case policy.SharedKernel:
		return 1
	case policy.GVisor:
		return 2
	case policy.VM, policy.MicroVM:
		return 3
	}
	return 0
}

// ClaimsMoreThanNode says a pod's RuntimeClass claims a thicker boundary
// than the node's kernel (gVisor, a VM, a microVM) or names one that
// could not be resolved: the claims a probe verifies (audit --probe, P in
// the view).
func ClaimsMoreThanNode(r *Result) bool {
	if r.Kind != "Pod" || r.UID == "" {
		return false
	}
	return r.Isolation.Rank() > policy.SharedKernel.Rank() || r.RuntimeClassName != "" && r.Isolation == policy.Unknown
}

// ProbedWeaker reports whether a probed isolation is a thinner boundary
// than the declared one; unknown on either side is not.
func ProbedWeaker(declared, probed policy.Isolation) bool {
	d, p := boundary(declared), boundary(probed)
	return d != 0 && p != 0 && p < d
}

// checkProbeMismatch compares the declared isolation of a probed pod with
// what the probe found inside it. It runs on every probed pod: a runtime
// handler that silently falls back to runc is wrong whatever runs on it.
func checkProbeMismatch(s *subject) {
	p := s.probed()
	if p == nil || len(s.isos) != 1 {
		return
	}
	iso := s.isos[0]
	if !ProbedWeaker(iso.class, p.Isolation()) {
		return
	}
	rc := "no runtimeClassName (the node's default handler)"
	if iso.rcName != "" {
		rc = "RuntimeClass " + iso.rcName
	}
	found := probedText[p.Kind]
	why := ""
	if len(p.Evidence) > 0 {
		ev, _, _ := strings.Cut(p.Evidence[0], ": ")
		why = " (" + ev + ")"
	}
	s.emit(RuleProbeMismatch, "", p.Container, s.specPath(&s.w.Templates[0], ".runtimeClassName"),
		s.msg(rc, " declares ", string(iso.class), ", but the probe found ", found, why, "; probed via ", p.Via))
}

// probedText words a probed kernel for the finding.
var probedText = map[fingerprint.Kind]string{
	fingerprint.SharedKernel: "the pod shares the node's kernel",
	fingerprint.GVisor:       "gVisor's user-space kernel, no VM",
}

// probed is the probe of the pod under audit, if any.
func (s *subject) probed() *Probed {
	if s.w.UID == "" || s.w.Kind != "Pod" {
		return nil
	}
	p, ok := s.ix.probes[s.w.UID]
	if !ok {
		return nil
	}
	return &p
}
