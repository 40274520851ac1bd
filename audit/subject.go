package audit

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tiergate/tiergate/policy"
)

// subject is one workload under audit: what the checks read and where
// they put their findings.
type subject struct {
	e  *Engine
	ix *index
	// sc is the call's scratch (strings, Pod Security evaluator); f is
	// its features.
	sc   *scratch
	f    *features
	w    *Workload
	typ  policy.WorkloadType
	isos []templateIso
	gpus [][]GPU // per template
	// draGPUs are, per template, the GPUs its resource claims give it
	// (GPU.Claim says the device class, driver, state and MIG profile).
	draGPUs [][]GPU
	// node is the node a bound pod runs on; fits and reasons say, per
	// template of an unbound workload, which nodes could run it and why
	// the others cannot (only when the inventory has nodes).
	node     *nodeFacts
	fits     [][]int
	reasons  []map[string]int
	findings []Finding
	// netpols is egressPolicies' scratch buffer.
	netpols []netpol
	// pss holds the findings the Pod Security library's verdict gives,
	// computed once (pssDone) for all the TG-PSS checks.
	pss     []pssFinding
	pssDone bool
	meta    metav1.ObjectMeta // pssMeta's scratch
	// pssPod, pssProbe and pssCaps are attribution's scratch values.
	pssPod, pssProbe corev1.PodSpec
	// specBuf is pssContentKey's encoding buffer, pssKey the spec it
	// encodes (pssKeySpec).
	specBuf []byte
	pssKey  struct {
		spec        corev1.PodSpec
		vols        []corev1.Volume
		inits, ctrs []corev1.Container
	}
	pssCaps struct {
		pod  corev1.PodSpec
		ctr  [1]corev1.Container
		sc   corev1.SecurityContext
		caps corev1.Capabilities
	}
}

// reset readies the subject for the next workload, keeping its buffers.
func (s *subject) reset(w *Workload) {
	s.w, s.typ, s.node = w, "", nil
	s.isos, s.gpus, s.fits, s.reasons = s.isos[:0], s.gpus[:0], s.fits[:0], s.reasons[:0]
	s.draGPUs = s.draGPUs[:0]
	s.findings = s.findings[:0]
	s.pss, s.pssDone = s.pss[:0], false
}

// emit records a finding. sev ""
// means the rule's default severity; a policy override wins over both.
func (s *subject) emit(id string, sev policy.Severity, container, path, msg string) {
	r := s.e.rules[id]
	o := s.e.pol.RuleOverride(id) // disabled rules never run (NewEngine)
	switch {
	case o.Severity != "":
		sev = o.Severity
	case sev == "":
		sev = r.Severity
	}
	s.findings = append(s.findings, Finding{Rule: id, Category: r.Category, Severity: sev, Message: msg, Container: container, Path: path})
}

// containerRef locates a container inside a workload.
type containerRef struct {
	t    *PodTemplate
	list string // "containers" or "initContainers"
	i    int
}

// path is the field path of suffix inside the container.
func (s *subject) path(r containerRef, suffix string) string {
	return s.sc.cache.str(ev{r.t.SpecPath, ".", r.list, indexStr(r.i), suffix})
}

// ctrMsg is a message about a container: `container "vllm" <tail>`.
func (s *subject) ctrMsg(r containerRef, c *corev1.Container, tail ...string) string {
	if len(tail) > len(ev{})-4 {
		panic("audit: container message has too many parts")
	}
	e := ev{`container "`, c.Name, `"`, s.where(r.t)}
	if r.list == "initContainers" {
		e[0] = `init container "`
	}
	copy(e[4:], tail)
	return s.sc.cache.str(e)
}

// msg builds a message from parts, once per distinct message.
func (s *subject) msg(parts ...string) string {
	var e ev
	if len(parts) > len(e) {
		panic("audit: message has too many parts")
	}
	copy(e[:], parts)
	return s.sc.cache.str(e)
}

// specPath is a field path under a template's pod spec.
func (s *subject) specPath(t *PodTemplate, suffix string) string {
	return s.sc.cache.str(ev{t.SpecPath, suffix})
}

// forContainers visits every init and app container of every template.
func (s *subject) forContainers(fn func(ref containerRef, c *corev1.Container)) {
	for ti := range s.w.Templates {
		t := &s.w.Templates[ti]
		if t.Spec == nil {
			continue
		}
		for i := range t.Spec.InitContainers {
			fn(containerRef{t, "initContainers", i}, &t.Spec.InitContainers[i])
		}
		for i := range t.Spec.Containers {
			fn(containerRef{t, "containers", i}, &t.Spec.Containers[i])
		}
	}
}

// forTemplates visits every template that has a spec.
func (s *subject) forTemplates(fn func(ti int, t *PodTemplate)) {
	for i := range s.w.Templates {
		if s.w.Templates[i].Spec != nil {
			fn(i, &s.w.Templates[i])
		}
	}
}

// where names a template in messages when the workload has several.
func (s *subject) where(t *PodTemplate) string {
	if len(s.w.Templates) < 2 || t.Role == "" {
		return ""
	}
	return " (" + t.Role + ")"
}

// riskier reports whether the workload is an agent or a code runner, the
// types that turn untrusted text into actions.
func (s *subject) riskier() bool { return s.typ == policy.Agent || s.typ == policy.CodeExec }

// riskSeverity is high for workloads that act on untrusted text (agents,
// code runners) and medium for the others.
func (s *subject) riskSeverity() policy.Severity {
	if s.riskier() {
		return policy.High
	}
	return policy.Medium
}
