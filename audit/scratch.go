package audit

// scratch is one audit call's working memory: the classifier's features
// (with its image cache and the tables' memos), the interned strings, the
// Pod Security evaluator (it records which checks ran) and the subject's
// buffers. The Engine holds only what never changes after NewEngine; each
// call takes a scratch from the engine's pool and gives it back, so calls
// run at once without sharing anything they write, and a long-lived engine
// (the view audits every few seconds) keeps its caches warm.
type scratch struct {
	cache strcache
	feat  features
	pss   *pssLibrary
	subj  subject
}

// takeScratch returns a scratch for one call: a pooled one or a new one.
// Give it back with e.scratch.Put when the call is done with it (nothing
// a Result keeps points into it).
func (e *Engine) takeScratch() *scratch {
	if sc, ok := e.scratch.Get().(*scratch); ok {
		return sc
	}
	sc := &scratch{pss: newPSSLibrary()}
	sc.feat.memos = make([]memo, e.memoSlots)
	return sc
}

// subjectFor readies the scratch's subject for a call over ix.
func (sc *scratch) subjectFor(e *Engine, ix *index) *subject {
	s := &sc.subj
	s.e, s.ix, s.f, s.sc = e, ix, &sc.feat, sc
	return s
}
