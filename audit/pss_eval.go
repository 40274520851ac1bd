package audit

import (
	"hash/maphash"
	"maps"
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
		// Pods without a controller (or from different controllers) often
		// share one spec: a template judged before with the same content,
		// path and level gets the same findings.
		key := s.pssContentKey(t, level, version)
		if fs, seen := s.ix.pssByContent[key]; seen {
			s.pss = append(s.pss, fs...)
			return
		}
		n := len(s.pss)
		meta := s.pssMeta(t)
		if ctrls := s.sc.pss.failed(lv, meta, t.Spec); len(ctrls) > 0 {
			s.attribute(t, meta, level, ctrls)
		}
		if len(s.ix.pssByContent) < maxCached {
			s.ix.pssByContent[key] = slices.Clone(s.pss[n:])
		}
	})
}

// pssContentKey identifies what a template's Pod Security findings depend
// on: the spec's content as the library reads it (a hash of pssKeySpec's
// protobuf encoding, in the subject's reused buffer), where it sits and how it is named in
// messages, and the level and version it is judged at.
func (s *subject) pssContentKey(t *PodTemplate, level, version string) pssContent {
	spec := s.pssKeySpec(t.Spec)
	size := spec.Size()
	if cap(s.specBuf) < size {
		s.specBuf = make([]byte, size)
	}
	b := s.specBuf[:size]
	if _, err := spec.MarshalToSizedBuffer(b); err != nil {
		b = nil // cannot encode: the size alone keys nothing reliable
	}
	k := pssContent{size: size, path: t.SpecPath, where: s.where(t), level: level, version: version}
	if b == nil {
		k.unique = s.w
		return k
	}
	var h maphash.Hash
	h.SetSeed(s.ix.seed)
	_, _ = h.Write(b)
	// Annotations in a fixed order: the map's is random.
	if len(t.Annotations) > 0 {
		keys := slices.Sorted(maps.Keys(t.Annotations))
		for _, a := range keys {
			_, _ = h.WriteString(a)
			_ = h.WriteByte(0)
			_, _ = h.WriteString(t.Annotations[a])
			_ = h.WriteByte(0)
		}
	}
	k.hash = h.Sum64()
	return k
}

// pssContent is pssContentKey's key.
type pssContent struct {
	hash                        uint64
	size                        int
	path, where, level, version string
	unique                      *Workload // set when the spec could not be encoded
}

// pssMeta is the pod metadata the library reads (the annotations of
// AppArmor and old seccomp profiles; it reads no labels), in the
// subject's reused scratch value.
func (s *subject) pssMeta(t *PodTemplate) *metav1.ObjectMeta {
	s.meta = metav1.ObjectMeta{Annotations: t.Annotations}
	return &s.meta
}
