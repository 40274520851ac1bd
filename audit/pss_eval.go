package audit

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// emitPSS emits the findings of one rule from the library's verdict on
// the workload's templates, evaluating them on the first call.
func (s *subject) emitPSS(rule string) {
	s.evalPSS()
	for _, f := range s.pss {
		if f.rule == rule {
			s.emit(rule, "", f.container, f.path, f.msg)
		}
	}
}

// evalPSS judges every template at the level and version the policy sets
// for the workload's type, once per workload.
func (s *subject) evalPSS() {
	if s.pssDone {
		return
	}
	s.pssDone = true
	// Replicas of one template revision get the same verdict (and the
	// same paths and messages): judge the first only.
	key, ok := replicaOf(s.w)
	if ok {
		if fs, seen := s.ix.pssReplicas[key]; seen {
			s.pss = append(s.pss, fs...)
			return
		}
		defer func() { s.ix.pssReplicas[key] = slices.Clone(s.pss) }()
	}
	level, version := s.e.pol.PodSecurityFor(s.typ)
	if level == "privileged" {
		return
	}
	lv := pssLevelVersion(level, version)
	s.forTemplates(func(_ int, t *PodTemplate) {
		meta := s.pssMeta(t)
		if ctrls := s.e.pss.failed(lv, meta, t.Spec); len(ctrls) > 0 {
			s.attribute(t, meta, level, ctrls)
		}
	})
}

// pssMeta is the pod metadata the library reads (labels; the templates
// do not keep annotations, see docs/pod-security.md), in the subject's
// reused scratch value.
func (s *subject) pssMeta(t *PodTemplate) *metav1.ObjectMeta {
	s.meta = metav1.ObjectMeta{Labels: t.Labels}
	return &s.meta
}
