package audit

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/tiergate/tiergate/policy"
)

// Engine audits inventories against one policy. It is safe to reuse but
// not to share between goroutines.
type Engine struct {
	pol     *policy.Compiled
	signals []signal
	rules   map[string]Rule
	// checks are the enabled rules, in catalog order.
	checks []Rule
	// memoSlots is how many table memos the signals' matchers use.
	memoSlots int
	// scratch pools the per-call working memory (scratch.go): nothing
	// above changes after NewEngine, so one engine serves concurrent
	// audits and fixes.
	scratch sync.Pool
}

// NewEngine validates a policy (its rule IDs included) and prepares it.
func NewEngine(p *policy.Policy) (*Engine, error) {
	c, err := policy.Compile(p)
	if err != nil {
		return nil, err
	}
	b := &signalBuilder{}
	e := &Engine{pol: c, signals: builtinSignals(b), rules: catalog(), memoSlots: b.memos}
	// Disabled rules are not run at all; the others know their category,
	// which decides whether they run on pods that are not LLM workloads.
	for _, r := range Rules() {
		if !c.RuleOverride(r.ID).Disabled {
			e.checks = append(e.checks, r)
		}
	}
	var bad policy.ValidationError
	for id := range p.Rules {
		if _, ok := e.rules[id]; !ok {
			bad = append(bad, fmt.Sprintf("rules.%s: no such rule (see tiergate rules)", id))
		}
	}
	for i, ex := range p.Exemptions {
		if !policy.IsGlob(ex.Rule) {
			if _, ok := e.rules[ex.Rule]; !ok {
				bad = append(bad, fmt.Sprintf("exemptions[%d].rule: no such rule %q", i, ex.Rule))
			}
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return nil, bad
	}
	return e, nil
}

// Options tune one audit.
type Options struct {
	// Now decides whether exemptions have expired.
	Now time.Time
}

// Audit classifies and checks every workload of the inventory. Results
// are sorted by namespace, name and kind.
func (e *Engine) Audit(inv *Inventory, opts Options) *Report {
	ix := newIndex(inv, e.pol)
	ws := inv.Workloads
	rank := sortedRanks(ws)
	// One subject and one feature set serve every workload in turn; what
	// a Result keeps is copied out of them.
	sc := e.takeScratch()
	defer e.scratch.Put(sc)
	s := sc.subjectFor(e, ix)
	rep := &Report{Workloads: make([]Result, len(ws))}
	// Walk the workloads in input order (memory order: far fewer cache
	// misses than sorted order) and put each result in its sorted place.
	for i := range ws {
		s.reset(&ws[i])
		e.auditOne(s, opts, &rep.Workloads[rank[i]])
	}
	rep.Nodes = nodeReports(ix, inv)
	rep.Summary = summarize(rep.Workloads)
	rep.NotVisible = inv.Gaps
	return rep
}

// Stream audits the workloads in sorted order and hands each result to
// emit as soon as it is ready, keeping none: the report it returns has
// the nodes and the summary but no workloads. A renderer that writes as
// it goes audits 100,000 pods without holding 100,000 results.
func (e *Engine) Stream(inv *Inventory, opts Options, emit func(*Result) error) (*Report, error) {
	ix := newIndex(inv, e.pol)
	ws := inv.Workloads
	rank := sortedRanks(ws)
	order := make([]int, len(ws))
	for i, k := range rank {
		order[k] = i
	}
	sc := e.takeScratch()
	defer e.scratch.Put(sc)
	s := sc.subjectFor(e, ix)
	sum := newSummary()
	var r Result
	for _, i := range order {
		s.reset(&ws[i])
		e.auditOne(s, opts, &r)
		sum.add(&r)
		if err := emit(&r); err != nil {
			return nil, err
		}
	}
	return &Report{Nodes: nodeReports(ix, inv), Summary: sum, NotVisible: inv.Gaps}, nil
}

func rootOwner(w *Workload) *Owner {
	if len(w.Owners) < 2 {
		return nil
	}
	return &w.Owners[len(w.Owners)-1]
}

// sortedRanks returns, for each workload, its place in (namespace, name,
// kind) order. The keys are copied into one buffer first: comparing them
// there is much faster than chasing 100,000 scattered strings.
func sortedRanks(ws []Workload) []int {
	type key struct{ off, end, i int }
	n := 0
	for i := range ws {
		n += len(ws[i].Namespace) + len(ws[i].Name) + len(ws[i].Kind) + 2
	}
	buf := make([]byte, 0, n)
	keys := make([]key, len(ws))
	for i := range ws {
		off := len(buf)
		buf = append(buf, ws[i].Namespace...)
		buf = append(buf, 0)
		buf = append(buf, ws[i].Name...)
		buf = append(buf, 0)
		buf = append(buf, ws[i].Kind...)
		keys[i] = key{off, len(buf), i}
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(bytes.Compare(buf[a.off:a.end], buf[b.off:b.end]), a.i-b.i)
	})
	rank := make([]int, len(ws))
	for k, key := range keys {
		rank[key.i] = k
	}
	return rank
}

// replicaKey identifies pods stamped from one template revision: same
// namespace, owner and pod-template-hash (or controller-revision-hash).
type replicaKey struct{ namespace, ownerGroup, ownerKind, ownerName, hash string }

// replicaOf returns the template revision a controller's pod is stamped
// from, when it says (pod-template-hash, controller-revision-hash).
func replicaOf(w *Workload) (replicaKey, bool) {
	if w.Kind != "Pod" || w.Owner == nil || len(w.Templates) != 1 {
		return replicaKey{}, false
	}
	hash := w.Labels["pod-template-hash"]
	if hash == "" {
		hash = w.Labels["controller-revision-hash"]
	}
	if hash == "" {
		return replicaKey{}, false
	}
	return replicaKey{w.Namespace, groupOf(w.Owner.APIVersion, w.Owner.Kind), w.Owner.Kind, w.Owner.Name, hash}, true
}

// classifyOnce classifies a workload, reusing the classification of an
// earlier replica of the same template revision: replicas differ only in
// their names, which classification does not read for owned pods.
func (e *Engine) classifyOnce(s *subject) classification {
	w := s.w
	key, _ := replicaOf(w)
	if key.hash != "" {
		if cl, ok := s.ix.replicas[key]; ok {
			return cl
		}
	}
	s.f.extract(w)
	if !s.f.gpu && s.ix.dra.anyGPU(w) {
		s.f.gpu = true // a GPU through a claim is a GPU too
	}
	s.f.poolMatch = s.ix.poolFor(w)
	s.f.sandboxGrant = s.ix.sandboxGrantFor(w)
	cl := e.classify(s.f, &s.sc.cache, w)
	if key.hash != "" {
		cl.evidence = slices.Clip(cl.evidence) // shared: appending must copy
		s.ix.replicas[key] = cl
	}
	return cl
}

func (e *Engine) auditOne(s *subject, opts Options, r *Result) {
	w, ix := s.w, s.ix
	cl := e.classifyOnce(s)
	s.typ = cl.typ
	*r = Result{
		Kind: w.Kind, APIVersion: w.APIVersion, Namespace: w.Namespace, Name: w.Name, UID: w.UID,
		Owner: w.Owner, RootOwner: rootOwner(w), RunsFrom: w.RunsFrom, Type: cl.typ, Confidence: cl.confidence, Uncertain: cl.uncertain, Evidence: cl.evidence,
		GPUs: []GPU{}, Findings: []Finding{}, Status: w.Status, Launched: ix.warm.launchedFrom(w),
	}
	if w.Source != nil {
		r.Source = &Location{File: w.Source.File, Line: w.Source.Line}
	}
	if ns, ok := ix.nsPSS[w.Namespace]; ok && ns.labelled {
		r.NamespacePodSecurity = ns.shown
	}
	if tier, ok := e.pol.Tier(cl.typ); ok {
		r.RequiredIsolation, r.RecommendedIsolation = tier.Minimum, tier.Recommended
	}
	if w.NodeName != "" {
		if ni, ok := ix.nodeByName[w.NodeName]; ok {
			s.node = &ix.nodes[ni]
			r.Nodes = s.node.refs
		}
	}
	multi := len(w.Templates) > 1
	for i := range w.Templates {
		t := &w.Templates[i]
		if t.Spec == nil {
			s.isos = append(s.isos, templateIso{class: policy.Unknown})
			s.gpus = append(s.gpus, nil)
			s.draGPUs = append(s.draGPUs, nil)
			continue
		}
		rcName := ""
		if t.Spec.RuntimeClassName != nil {
			rcName = *t.Spec.RuntimeClassName
		}
		s.isos = append(s.isos, ix.isolation(rcName))
		gpus := podGPUs(t.Spec)
		s.gpus = append(s.gpus, gpus)
		r.Containers = appendContainers(r.Containers, t, multi)
		for _, g := range gpus {
			if multi {
				g.Role = t.Role
			}
			r.GPUs = append(r.GPUs, g)
		}
		for _, c := range t.Spec.ResourceClaims {
			r.ResourceClaims = append(r.ResourceClaims, c.Name)
		}
		dra := ix.dra.podGPUs(w, t)
		s.draGPUs = append(s.draGPUs, dra)
		for _, g := range dra {
			if multi {
				g.Role = t.Role
			}
			r.GPUs = append(r.GPUs, g)
		}
	}
	if s.node == nil && len(ix.nodes) > 0 {
		for i := range w.Templates {
			var fits []int
			var reasons map[string]int
			if w.Templates[i].Spec != nil {
				fits, reasons = ix.fit(&w.Templates[i], s.isos[i], s.gpus[i], perNode(w.APIVersion, w.Kind))
			}
			s.fits = append(s.fits, fits)
			s.reasons = append(s.reasons, reasons)
		}
	}
	e.describeIsolation(s, r)

	// applyToAllPods extends the minimum policy set to every pod; the
	// isolation tiers stay LLM-only. A probe's verdict counts for any pod.
	llm := cl.typ.IsLLM()
	for _, c := range e.checks {
		if c.AnyPod || llm || (e.pol.ApplyToAllPods && c.Category != CatIsolation) {
			c.check(s)
		}
	}
	e.keepFindings(s, opts.Now, r)
	r.Verdict = verdict(r)
}

// describeIsolation fills the isolation fields from the weakest template.
func (e *Engine) describeIsolation(s *subject, r *Result) {
	w := s.w
	if len(w.Templates) == 0 {
		r.Isolation = policy.Unknown
		why := "no pod template in this object"
		if w.Extra.TemplateRef != "" {
			why += ": its pods come from " + w.Extra.TemplateRef + ", which is not in the input"
		}
		r.IsolationEvidence = []string{why}
		return
	}
	wi := weakest(s.isos)
	iso := s.isos[wi]
	r.RuntimeClassName, r.Handler, r.Isolation = iso.rcName, iso.handler, iso.class
	r.RuntimeClass = s.ix.runtimeClassInfo(iso.rc)
	r.Probed = s.probed()
	if w.Templates[wi].Spec == nil {
		r.IsolationEvidence = []string{"template " + w.Templates[wi].Role + " has no pod spec"}
		return
	}
	r.IsolationEvidence = s.ix.isolationEvidence(iso)
	if from := w.Templates[wi].From; from != "" {
		r.IsolationEvidence = append(r.IsolationEvidence, "pod template taken from "+from)
	}
	for i := range s.isos {
		if i != wi && s.isos[i].rcName != iso.rcName {
			for _, ev := range s.ix.isolationEvidence(s.isos[i]) {
				r.IsolationEvidence = append(r.IsolationEvidence, w.Templates[i].Role+": "+ev)
			}
		}
	}
	if len(s.fits) > wi {
		for _, ni := range s.fits[wi] {
			if len(r.Nodes) == maxNodeRefs {
				break
			}
			r.Nodes = append(r.Nodes, s.ix.nodes[ni].refs[0])
		}
	}
}

// maxNodeRefs bounds the candidate nodes listed per workload.
const maxNodeRefs = 5

func appendContainers(out []ContainerInfo, t *PodTemplate, withRole bool) []ContainerInfo {
	role := ""
	if withRole {
		role = t.Role
	}
	for i := range t.Spec.InitContainers {
		c := &t.Spec.InitContainers[i]
		kind := "init"
		if isSidecar(c) {
			kind = "sidecar"
		}
		out = append(out, ContainerInfo{Name: c.Name, Image: c.Image, Init: kind, Role: role, GPUs: containerGPUs(c)})
	}
	for i := range t.Spec.Containers {
		c := &t.Spec.Containers[i]
		out = append(out, ContainerInfo{Name: c.Name, Image: c.Image, Role: role, GPUs: containerGPUs(c)})
	}
	return out
}

// keepFindings copies the subject's findings into the result, with their
// file lines, moving those the policy exempts to Exempted; an expired
// exemption leaves the finding in place and says so.
func (e *Engine) keepFindings(s *subject, now time.Time, r *Result) {
	w := s.w
	if len(s.findings) == 0 {
		return
	}
	if w.Source != nil {
		for i := range s.findings {
			s.findings[i].Line = w.Source.LineOf(s.findings[i].Path)
		}
	}
	if len(e.pol.Exemptions) == 0 {
		r.Findings = slices.Clone(s.findings)
		return
	}
	// An exemption naming a Deployment covers its ReplicaSets' pods.
	names := []string{w.Name}
	if w.Owner != nil {
		names = append(names, w.Owner.Name)
	}
	for _, o := range w.Owners {
		names = append(names, o.Name)
	}
	for _, f := range s.findings {
		ex, expired, ok := e.pol.Exempt(w.Namespace, names, f.Rule, now)
		switch {
		case !ok:
			r.Findings = append(r.Findings, f)
		case expired:
			f.Message += " (exemption expired " + ex.Expires + ": " + ex.Reason + ")"
			f.ExemptionExpired = ex.Expires
			r.Findings = append(r.Findings, f)
		default:
			r.Exempted = append(r.Exempted, ExemptedFinding{Finding: f, Reason: ex.Reason, Expires: ex.Expires})
		}
	}
}

func verdict(r *Result) Verdict {
	v := VerdictOK
	for _, f := range r.Findings {
		switch {
		case f.Severity == policy.Critical:
			return VerdictCritical
		case f.Rule == RuleBelowTier:
			v = VerdictBelowTier
		case v == VerdictOK:
			v = VerdictFindings
		}
	}
	return v
}

// Summarize counts results as a report's summary does (a fleet's
// reports merged into one).
func Summarize(ws []Result) Summary { return summarize(ws) }

func summarize(ws []Result) Summary {
	s := newSummary()
	for i := range ws {
		s.add(&ws[i])
	}
	return s
}

// newSummary starts a summary with every count present, zero or not.
func newSummary() Summary {
	s := Summary{
		ByType:     map[policy.WorkloadType]int{},
		ByVerdict:  map[Verdict]int{},
		BySeverity: map[policy.Severity]int{},
	}
	for _, t := range policy.Types() {
		s.ByType[t] = 0
	}
	for _, v := range []Verdict{VerdictOK, VerdictFindings, VerdictBelowTier, VerdictCritical} {
		s.ByVerdict[v] = 0
	}
	for _, sev := range policy.Severities() {
		s.BySeverity[sev] = 0
	}
	return s
}

// add counts one result.
func (s *Summary) add(r *Result) {
	if r.StandsForPods() {
		s.ResourcesWithPods++ // its pods carry the counts
		return
	}
	s.Workloads++
	s.ByType[r.Type]++
	s.ByVerdict[r.Verdict]++
	s.Findings += len(r.Findings)
	s.Exempted += len(r.Exempted)
	for _, f := range r.Findings {
		s.BySeverity[f.Severity]++
		if f.ExemptionExpired != "" {
			s.ExpiredExemptions++
		}
	}
}

// nodeReports lists nodes with their GPUs; allocation sums the audited
// pods bound to each node.
func nodeReports(ix *index, inv *Inventory) []NodeReport {
	out := nodeBase(ix)
	tallyNodes(ix, out, inv.Workloads)
	sortNodes(out)
	return out
}

// nodeBase lists the index's nodes, in index order, with their GPUs and
// nothing allocated yet.
func nodeBase(ix *index) []NodeReport {
	if len(ix.nodes) == 0 {
		return nil
	}
	out := make([]NodeReport, len(ix.nodes))
	held := ix.dra.heldDevices()
	for i := range ix.nodes {
		n := ix.nodes[i].node
		out[i] = NodeReport{NodeRef: ix.nodes[i].refs[0], GPUProduct: ix.nodes[i].product, GPUs: nodeGPUs(n)}
		dra, products := ix.dra.nodeGPUs(n.Name, held)
		out[i].GPUs = append(out[i].GPUs, dra...)
		if out[i].GPUProduct == "" {
			out[i].GPUProduct = products // the devices say it where no label does
		}
		ix.describeNodeGPU(&ix.nodes[i], &out[i])
		for _, t := range n.Spec.Taints {
			s := t.Key
			if t.Value != "" {
				s += "=" + t.Value
			}
			out[i].Taints = append(out[i].Taints, s+":"+string(t.Effect))
		}
	}
	return out
}

// tallyNodes counts the workloads bound to each node of out (in index
// order) and adds their device-plugin GPUs to its allocation.
func tallyNodes(ix *index, out []NodeReport, ws []Workload) {
	if len(out) == 0 {
		return
	}
	for i := range ws {
		w := &ws[i]
		ni, ok := ix.nodeByName[w.NodeName]
		if w.NodeName == "" || !ok {
			continue
		}
		out[ni].Pods++
		if w.Phase == "Succeeded" || w.Phase == "Failed" {
			continue // finished pods hold no devices
		}
		for ti := range w.Templates {
			if w.Templates[ti].Spec == nil {
				continue
			}
			for _, g := range podGPUs(w.Templates[ti].Spec) {
				for k := range out[ni].GPUs {
					if out[ni].GPUs[k].Resource == g.Resource && !out[ni].GPUs[k].DRA {
						out[ni].GPUs[k].Allocated += g.Count
					}
				}
			}
		}
	}
}

func sortNodes(out []NodeReport) {
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
}

// Policy returns the compiled policy the engine judges by, so that
// remediation picks runtime classes by the same handler mappings.
func (e *Engine) Policy() *policy.Compiled { return e.pol }
