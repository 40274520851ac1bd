package audit

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psspolicy "k8s.io/pod-security-admission/policy"
)

// pssFinding is one finding derived from a failed control, waiting for
// its rule's check to emit it (a disabled rule never does).
type pssFinding struct {
	rule      string
	container string
	path      string
	msg       string
}

// attribute turns the controls a template fails into findings: per
// container, per volume or for the pod, each with the field a fix
// changes. The library judges a whole pod; to learn who is at fault the
// failed check is re-run, alone, on parts of the pod: the pod without
// containers (its own fields and volumes), each volume, each container
// with the pod's fields. The library decides every time; tiergate only
// chooses what to show it.
func (s *subject) attribute(t *PodTemplate, meta *metav1.ObjectMeta, level string, ctrls []pssControl) {
	spec := t.Spec
	for _, ctl := range ctrls {
		m := pssRuleFor(ctl.id)
		run := func(sp *corev1.PodSpec) psspolicy.CheckResult { return ctl.fn(meta, sp) }
		n := len(s.pss)
		socket := false // a runtime socket's hostPath, reported by TG-PSS-010

		// podOnly and probe are the subject's scratch values: a pod spec
		// is large, and thousands of pods are judged in turn.
		podOnly, probe := &s.pssPod, &s.pssProbe
		*podOnly = *spec
		podOnly.InitContainers, podOnly.Containers, podOnly.EphemeralContainers = nil, nil, nil
		podFails := !run(podOnly).Allowed
		volumesAtFault := false
		if podFails && len(spec.Volumes) > 0 {
			*probe = *podOnly
			probe.Volumes = nil
			volumesAtFault = run(probe).Allowed
		}
		switch {
		case volumesAtFault:
			for i := range spec.Volumes {
				*probe = *podOnly
				probe.Volumes = spec.Volumes[i : i+1 : i+1]
				r := run(probe)
				if r.Allowed {
					continue
				}
				v := &spec.Volumes[i]
				vm := m
				if v.HostPath != nil {
					// At restricted, restrictedVolumes overrides
					// hostPathVolumes: a hostPath is still TG-PSS-009, and a
					// runtime socket TG-PSS-010 (critical, its own check).
					if isRuntimeSocket(v.HostPath.Path) {
						socket = true
						continue
					}
					vm = pssRules["hostPathVolumes"]
				}
				path := s.specPath(t, ".volumes["+strconv.Itoa(i)+"]"+vm.volField)
				s.pss = append(s.pss, pssFinding{vm.rule, "", path, s.reasonMsg(level, strconv.Quote(v.Name), r, `volume "`, v.Name, `"`, s.where(t), vm.words+volumeWhat(v))})
			}
			podOnly.Volumes = nil // containers are judged without them
		case podFails:
			field := m.field
			if m.podField != nil {
				field = m.podField(spec)
			}
			s.pss = append(s.pss, pssFinding{m.rule, "", s.specPath(t, field), s.reasonMsg(level, "", run(podOnly), "pod", s.where(t), m.words)})
		}

		for ref, c := range s.templateContainers(t) {
			// The container alone, as a one-element window on the
			// template's own slice: no copy, and the library only reads.
			*probe = *podOnly
			if ref.list == "initContainers" {
				probe.InitContainers = spec.InitContainers[ref.i : ref.i+1 : ref.i+1]
			} else {
				probe.Containers = spec.Containers[ref.i : ref.i+1 : ref.i+1]
			}
			r := run(probe)
			if r.Allowed {
				continue
			}
			// With the pod itself at fault, every container fails with it;
			// only those the library names set the bad value themselves.
			if podFails && !volumesAtFault && !strings.Contains(ctl.result.ForbiddenDetail, strconv.Quote(c.Name)) {
				continue
			}
			if ctl.id == "capabilities_restricted" {
				s.attributeCaps(ref, c, probe, level, run)
				continue
			}
			field := m.field
			if m.ctrField != nil {
				field = m.ctrField(c)
			}
			s.pss = append(s.pss, pssFinding{m.rule, c.Name, s.path(ref, field), s.ctrReasonMsg(ref, c, m.words, level, r)})
		}

		if len(s.pss) == n && !socket {
			// The library forbids the pod but no part of it alone: report
			// the whole pod rather than lose the violation.
			s.pss = append(s.pss, pssFinding{m.rule, "", s.specPath(t, ""), s.reasonMsg(level, "", ctl.result, "pod", s.where(t), m.words)})
		}
	}
}

// attributeCaps splits capabilities_restricted into its two halves: not
// dropping ALL (TG-PSS-005) and adding more than NET_BIND_SERVICE
// (TG-PSS-006), asking the library about each with the other half fixed.
func (s *subject) attributeCaps(ref containerRef, c *corev1.Container, one *corev1.PodSpec, level string, run func(*corev1.PodSpec) psspolicy.CheckResult) {
	probe := func(change func(*corev1.Capabilities)) psspolicy.CheckResult {
		// Shallow copies down to the capabilities, in the subject's scratch
		// values: the input is not touched.
		x := &s.pssCaps
		x.sc, x.caps = corev1.SecurityContext{}, corev1.Capabilities{}
		if c.SecurityContext != nil {
			x.sc = *c.SecurityContext
			if x.sc.Capabilities != nil {
				x.caps = *x.sc.Capabilities
			}
		}
		change(&x.caps)
		x.sc.Capabilities = &x.caps
		x.ctr[0] = *c
		x.ctr[0].SecurityContext = &x.sc
		x.pod = *one
		if ref.list == "initContainers" {
			x.pod.InitContainers = x.ctr[:]
		} else {
			x.pod.Containers = x.ctr[:]
		}
		return run(&x.pod)
	}
	drop := probe(func(k *corev1.Capabilities) { k.Add = nil })
	add := probe(func(k *corev1.Capabilities) { k.Drop = []corev1.Capability{"ALL"} })
	m := pssRules["capabilities_restricted"]
	if !drop.Allowed {
		s.pss = append(s.pss, pssFinding{m.rule, c.Name, s.path(ref, m.field), s.ctrReasonMsg(ref, c, m.words, level, drop)})
	}
	if !add.Allowed {
		a := capsAddedRestricted
		s.pss = append(s.pss, pssFinding{a.rule, c.Name, s.path(ref, a.field), s.ctrReasonMsg(ref, c, a.words, level, add)})
	}
}

// pssReason is the library's verdict in a message, without the subject
// the message already names: ` (Pod Security restricted: must set
// securityContext.runAsNonRoot=true)`. who is the quoted container or
// volume name ("" for the pod). The message is built from parts by the
// caller (strcache), so that replicas share one string.
func pssReason(level, who string, r psspolicy.CheckResult) (head, why, tail string) {
	if r.Allowed {
		return "", "", ""
	}
	why = r.ForbiddenDetail
	if who != "" {
		// `pod or container "x" must set ...`: the setter phrase is short.
		if i := strings.Index(why, who+" "); i >= 0 && i <= len("pod or containers ") {
			why = why[i+len(who)+1:]
		}
	} else {
		why = strings.TrimPrefix(why, "pod ")
	}
	if why == "" {
		why = r.ForbiddenReason
	}
	return pssHeads[level], why, ")"
}

// reasonMsg is a message of parts followed by the library's reason.
func (s *subject) reasonMsg(level, who string, r psspolicy.CheckResult, parts ...string) string {
	h, w, t := pssReason(level, who, r)
	var e ev
	if len(parts)+3 > len(e) {
		panic("audit: message has too many parts")
	}
	n := copy(e[:], parts)
	e[n], e[n+1], e[n+2] = h, w, t
	return s.sc.cache.str(e)
}

// ctrReasonMsg is a container's message followed by the library's reason.
func (s *subject) ctrReasonMsg(ref containerRef, c *corev1.Container, words, level string, r psspolicy.CheckResult) string {
	h, w, t := pssReason(level, strconv.Quote(c.Name), r)
	return s.ctrMsg(ref, c, words, h, w, t)
}

// pssHeads open the library's part of a message, per level.
var pssHeads = map[string]string{
	"baseline":   " (Pod Security baseline: ",
	"restricted": " (Pod Security restricted: ",
}

// volumeWhat adds a hostPath volume's host path to its message.
func volumeWhat(v *corev1.Volume) string {
	if v.HostPath != nil {
		return " " + v.HostPath.Path
	}
	return ""
}

// templateContainers yields the init and app containers of one template.
func (s *subject) templateContainers(t *PodTemplate) func(yield func(containerRef, *corev1.Container) bool) {
	return func(yield func(containerRef, *corev1.Container) bool) {
		for i := range t.Spec.InitContainers {
			if !yield(containerRef{t, "initContainers", i}, &t.Spec.InitContainers[i]) {
				return
			}
		}
		for i := range t.Spec.Containers {
			if !yield(containerRef{t, "containers", i}, &t.Spec.Containers[i]) {
				return
			}
		}
	}
}
