package audit

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tiergate/tiergate/policy"
)

// threshold is the score a type needs before a workload is called an LLM
// workload: one strong signal (an engine image) or two weaker ones.
const threshold = 2.0

// typeOrder ranks LLM types by risk; ties go to the riskier type, since
// under-classifying is the mistake that leaves a pod under-isolated.
var typeOrder = [...]policy.WorkloadType{policy.Inference, policy.Retrieval, policy.Agent, policy.CodeExec}

func typeSlot(t policy.WorkloadType) int {
	for i, o := range typeOrder {
		if o == t {
			return i
		}
	}
	return -1
}

type hit struct {
	sig      int
	evidence ev
}

type classification struct {
	typ        policy.WorkloadType
	confidence float64
	evidence   []string
}

// classify decides a workload's type from its features. User rules from
// the policy win; then the built-in signals vote.
func (e *Engine) classify(f *features, w *Workload) classification {
	if e.pol.HasClassifiers() {
		images, lbls := imagesAndLabels(w)
		if rule, why, ok := e.pol.Classify(images, lbls); ok {
			return classification{typ: rule.Type, confidence: 1, evidence: []string{why}}
		}
	}
	var scores [len(typeOrder)]float64
	hits := f.hits[:0]
	for i := range e.signals {
		s := &e.signals[i]
		ev, ok := s.match(f)
		if !ok {
			continue
		}
		hits = append(hits, hit{i, ev})
		for _, t := range s.votes {
			scores[typeSlot(t)] += s.weight
		}
	}
	f.hits = hits
	var extra []string
	// GPUs make a weak serving signal stronger, never a type on their own:
	// training jobs and GPU operator pods have GPUs too.
	if f.gpu && scores[0] > 0 {
		scores[0]++
		extra = append(extra, "requests GPUs")
	}
	// An agent that can start containers (privileged, runtime socket) is a
	// code-execution host: it outranks the agent it also is.
	if scores[2] > 0 && scores[2] >= scores[0] && scores[2] >= scores[1] {
		if why := containerHost(f); why != "" {
			scores[3] = math.Max(scores[3], scores[2]) + 1
			extra = append(extra, why)
		}
	}

	best, second := -1, -1
	for i := len(typeOrder) - 1; i >= 0; i-- {
		if best < 0 || scores[i] > scores[best] {
			second, best = best, i
		} else if second < 0 || scores[i] > scores[second] {
			second = i
		}
	}
	if scores[best] < threshold {
		return classification{typ: policy.None, confidence: noneConfidence(scores[best]), evidence: noneEvidence(e, hits, scores[best])}
	}
	typ := typeOrder[best]
	c := classification{typ: typ, confidence: confidence(scores[best], math.Max(0, scores[second]))}
	// The evidence for the winning type, strongest first; signals against
	// it are listed too, after the ones for it.
	n := len(extra)
	if scores[second] > 0 {
		n++
	}
	kept := f.kept[:0]
	for _, h := range hits {
		if votesFor(&e.signals[h.sig], typ) {
			kept = append(kept, h)
		}
	}
	f.kept = kept
	slices.SortStableFunc(kept, func(a, b hit) int { return cmp.Compare(e.signals[b.sig].weight, e.signals[a.sig].weight) })
	c.evidence = make([]string, 0, n+len(kept))
	for _, h := range kept {
		if e.signals[h.sig].weight > 0 {
			c.evidence = append(c.evidence, e.cache.str(h.evidence))
		}
	}
	c.evidence = append(c.evidence, extra...)
	for _, h := range kept {
		if e.signals[h.sig].weight < 0 {
			c.evidence = append(c.evidence, e.cache.str(h.evidence)+" (against)")
		}
	}
	if scores[second] > 0 {
		c.evidence = append(c.evidence, e.runnerUp(f.hits, typeOrder[second], scores[second], scores[best]))
	}
	return c
}

// runnerUp says which other type the workload resembles, and why.
func (e *Engine) runnerUp(hits []hit, t policy.WorkloadType, score, best float64) string {
	parts := ev{"also looks like ", string(t), " (score ", fmtScore(score), " against ", fmtScore(best), ")"}
	var why []string
	for _, h := range hits {
		if s := &e.signals[h.sig]; s.weight > 0 && votesFor(s, t) && len(why) < 2 {
			why = append(why, e.cache.str(h.evidence))
		}
	}
	if len(why) > 0 {
		parts[7] = ": " + strings.Join(why, "; ")
	}
	return e.cache.str(parts)
}

func votesFor(s *signal, t policy.WorkloadType) bool {
	for _, v := range s.votes {
		if v == t {
			return true
		}
	}
	return false
}

// noneEvidence explains a none: the signals seen, each with its vote.
func noneEvidence(e *Engine, hits []hit, best float64) []string {
	if len(hits) == 0 {
		return []string{"no LLM signals in images, commands, env names, labels or owners"}
	}
	out := make([]string, 0, len(hits)+1)
	for _, h := range hits {
		s := &e.signals[h.sig]
		sign := "+"
		if s.weight < 0 {
			sign = ""
		}
		out = append(out, e.cache.str(h.evidence)+" ["+sign+fmtScore(s.weight)+" "+votesLabel(s.votes)+"]")
	}
	if best > 0 {
		out = append(out, "below the threshold for an LLM workload (best score "+fmtScore(best)+" of "+fmtScore(threshold)+")")
	}
	return out
}

func votesLabel(v []policy.WorkloadType) string {
	if len(v) == len(typeOrder) {
		return "all LLM types"
	}
	s := ""
	for i, t := range v {
		if i > 0 {
			s += ", "
		}
		s += string(t)
	}
	return s
}

// confidence grows with the winning score and with its lead on the
// runner-up: a single strong signal gives ~0.7, several give ~0.95.
func confidence(best, second float64) float64 {
	strength := 1 - math.Exp(-best/3)
	lead := math.Min(1, (best-second)/3)
	return round2(strength * (0.5 + 0.5*lead))
}

// noneConfidence is high when nothing pointed at an LLM workload and
// lower when some signals did, but not enough.
func noneConfidence(best float64) float64 {
	if best <= 0 {
		return 0.95
	}
	return round2(0.95 - 0.4*math.Min(1, best/threshold))
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func fmtScore(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// containerHost says why a workload can start containers on its node.
func containerHost(f *features) string {
	if f.privileged {
		return "privileged container: it can run code and containers on the node for the agent (code-execution host)"
	}
	for _, p := range f.hostPaths {
		if isRuntimeSocket(p) {
			return "mounts " + p + ": it can start containers for the agent (code-execution host)"
		}
	}
	return ""
}

// imagesAndLabels collects original-case images and merged labels for
// user classification rules.
func imagesAndLabels(w *Workload) ([]string, map[string]string) {
	var images []string
	lbls := map[string]string{}
	for k, v := range w.Labels {
		lbls[k] = v
	}
	for i := range w.Templates {
		t := &w.Templates[i]
		for k, v := range t.Labels {
			lbls[k] = v
		}
		if t.Spec == nil {
			continue
		}
		for _, c := range t.Spec.InitContainers {
			images = append(images, c.Image)
		}
		for _, c := range t.Spec.Containers {
			images = append(images, c.Image)
		}
	}
	return images, lbls
}
