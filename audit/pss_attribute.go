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

		podOnly := *spec
		podOnly.InitContainers, podOnly.Containers, podOnly.EphemeralContainers = nil, nil, nil
		podFails := !run(&podOnly).Allowed
		volumesAtFault := false
		if podFails && len(spec.Volumes) > 0 {
			noVolumes := podOnly
			noVolumes.Volumes = nil
			volumesAtFault = run(&noVolumes).Allowed
		}
		switch {
		case volumesAtFault:
			for i := range spec.Volumes {
				one := podOnly
				one.Volumes = spec.Volumes[i : i+1]
				r := run(&one)
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
				s.pss = append(s.pss, pssFinding{vm.rule, "", path, s.msg(`volume "`, v.Name, `"`, s.where(t), vm.words, volumeWhat(v), pssReason(level, strconv.Quote(v.Name), r))})
			}
			podOnly.Volumes = nil // containers are judged without them
		case podFails:
			field := m.field
			if m.podField != nil {
				field = m.podField(spec)
			}
			s.pss = append(s.pss, pssFinding{m.rule, "", s.specPath(t, field), s.msg("pod", s.where(t), m.words, pssReason(level, "", run(&podOnly)))})
		}

		for ref, c := range s.templateContainers(t) {
			one := podOnly
			if ref.list == "initContainers" {
				one.InitContainers = []corev1.Container{*c}
			} else {
				one.Containers = []corev1.Container{*c}
			}
			r := run(&one)
			if r.Allowed {
				continue
			}
			// With the pod itself at fault, every container fails with it;
			// only those the library names set the bad value themselves.
			if podFails && !volumesAtFault && !strings.Contains(ctl.result.ForbiddenDetail, strconv.Quote(c.Name)) {
				continue
			}
			if ctl.id == "capabilities_restricted" {
				s.attributeCaps(ref, c, &one, level, run)
				continue
			}
			field := m.field
			if m.ctrField != nil {
				field = m.ctrField(c)
			}
			s.pss = append(s.pss, pssFinding{m.rule, c.Name, s.path(ref, field), s.ctrMsg(ref, c, m.words, pssReason(level, strconv.Quote(c.Name), r))})
		}

		if len(s.pss) == n && !socket {
			// The library forbids the pod but no part of it alone: report
			// the whole pod rather than lose the violation.
			s.pss = append(s.pss, pssFinding{m.rule, "", s.specPath(t, ""), s.msg("pod", s.where(t), m.words, pssReason(level, "", ctl.result))})
		}
	}
}

// attributeCaps splits capabilities_restricted into its two halves: not
// dropping ALL (TG-PSS-005) and adding more than NET_BIND_SERVICE
// (TG-PSS-006), asking the library about each with the other half fixed.
func (s *subject) attributeCaps(ref containerRef, c *corev1.Container, one *corev1.PodSpec, level string, run func(*corev1.PodSpec) psspolicy.CheckResult) {
	probe := func(change func(*corev1.Capabilities)) psspolicy.CheckResult {
		cc := c.DeepCopy()
		if cc.SecurityContext == nil {
			cc.SecurityContext = &corev1.SecurityContext{}
		}
		if cc.SecurityContext.Capabilities == nil {
			cc.SecurityContext.Capabilities = &corev1.Capabilities{}
		}
		change(cc.SecurityContext.Capabilities)
		sp := *one
		if ref.list == "initContainers" {
			sp.InitContainers = []corev1.Container{*cc}
		} else {
			sp.Containers = []corev1.Container{*cc}
		}
		return run(&sp)
	}
	drop := probe(func(k *corev1.Capabilities) { k.Add = nil })
	add := probe(func(k *corev1.Capabilities) { k.Drop = []corev1.Capability{"ALL"} })
	m := pssRules["capabilities_restricted"]
	if !drop.Allowed || add.Allowed {
		s.pss = append(s.pss, pssFinding{m.rule, c.Name, s.path(ref, m.field), s.ctrMsg(ref, c, m.words, pssReason(level, strconv.Quote(c.Name), drop))})
	}
	if !add.Allowed {
		a := capsAddedRestricted
		s.pss = append(s.pss, pssFinding{a.rule, c.Name, s.path(ref, a.field), s.ctrMsg(ref, c, a.words, pssReason(level, strconv.Quote(c.Name), add))})
	}
}

// pssReason is the library's verdict in a message, without the subject
// the message already names: ` (restricted: must set
// securityContext.runAsNonRoot=true)`. who is the quoted container or
// volume name ("" for the pod).
func pssReason(level, who string, r psspolicy.CheckResult) string {
	if r.Allowed {
		return ""
	}
	why := r.ForbiddenDetail
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
	return " (Pod Security " + level + ": " + why + ")"
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
