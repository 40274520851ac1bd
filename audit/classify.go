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
	sig   int
	found found
}

type classification struct {
	typ        policy.WorkloadType
	confidence float64
	uncertain  bool
	evidence   []Evidence
}

// scores are the votes per tier (index 1..tiers) and type, net and for
// only, and the types that what runs has put out of the race.
type scores struct {
	by, pos [tiers + 1][len(typeOrder)]float64
	out     [len(typeOrder)]bool
}

func (sc *scores) add(k Tier, t int, w float64) {
	sc.by[k][t] += w
	if w > 0 {
		sc.pos[k][t] += w
	}
}

// weakFollowStrong drops the votes of labels and names for types that
// neither what runs nor wiring support when they support another: a
// label or a name may add to what stronger evidence points at, or decide
// alone where it points nowhere, never pull away from it.
func (sc *scores) weakFollowStrong() {
	var strong [len(typeOrder)]bool
	some := false
	for t := range typeOrder {
		strong[t] = sc.pos[TierRuns][t] > 0 || sc.pos[TierWiring][t] > 0
		some = some || strong[t]
	}
	if !some {
		return
	}
	for k := TierLabels; k <= tiers; k++ {
		for t := range typeOrder {
			if !strong[t] {
				sc.by[k][t] -= sc.pos[k][t]
				sc.pos[k][t] = 0
			}
		}
	}
}

// support is a type's score where the decision fell (tiers up to k) plus
// what weaker tiers add for it.
func (sc *scores) support(t int, k Tier) float64 {
	sum := 0.0
	for j := TierRuns; j <= tiers; j++ {
		if j <= k {
			sum += sc.by[j][t]
		} else {
			sum += sc.pos[j][t]
		}
	}
	return math.Max(0, sum)
}

// classify decides a workload's type from its features. User rules from
// the policy win; then the built-in signals vote, tier by tier
// (docs/classification.md): the strongest tier whose evidence, with that
// of the tiers above it, reaches the threshold decides; weaker tiers
// only break ties and add confidence. A type that the evidence of what
// runs speaks against (a training job, a datastore image) cannot be
// made by weaker tiers at all.
func (e *Engine) classify(f *features, strs *strcache, w *Workload) classification {
	if e.pol.HasClassifiers() {
		images, lbls := imagesAndLabels(w)
		if rule, why, ok := e.pol.Classify(images, lbls); ok {
			return classification{typ: rule.Type, confidence: 1, evidence: []Evidence{{Text: why}}}
		}
	}
	hits := f.hits[:0]
	decisive := false // evidence of what runs alone reaches the threshold
	var runs [len(typeOrder)]float64
	for i := range e.signals {
		s := &e.signals[i]
		fd, ok := s.match(f)
		if !ok {
			continue
		}
		hits = append(hits, hit{i, fd})
		if fd.tier == TierRuns && s.weight > 0 {
			for _, t := range s.votes {
				runs[typeSlot(t)] += s.weight
				decisive = decisive || runs[typeSlot(t)] >= threshold
			}
		}
	}
	var sc scores
	var vetoed [len(typeOrder)]bool
	kept := hits[:0]
	for _, h := range hits {
		s := &e.signals[h.sig]
		if s.yields && decisive {
			continue // what runs says otherwise: redis-stack is no plain redis
		}
		kept = append(kept, h)
		for _, t := range s.votes {
			sc.add(h.found.tier, typeSlot(t), s.weight)
			vetoed[typeSlot(t)] = vetoed[typeSlot(t)] || s.veto && h.found.tier == TierRuns
		}
	}
	f.hits = kept
	// A veto holds unless what runs, for and against together, still
	// reaches the threshold (an xgboost InferenceService is no LLM server,
	// whatever its kind says).
	for t := range typeOrder {
		sc.out[t] = vetoed[t] && sc.by[TierRuns][t] < threshold
	}
	// GPUs make a weak serving signal stronger, never a type on their own:
	// training jobs and GPU operator pods have GPUs too.
	var gpu []Evidence
	if f.gpu && sc.total(0) > 0 {
		sc.add(TierWiring, 0, 1)
		gpu = append(gpu, Evidence{Text: "requests GPUs", Tier: TierWiring})
	}
	sc.weakFollowStrong()

	d := sc.decide()
	if d.tier == 0 {
		return classification{typ: policy.None, confidence: noneConfidence(d.best), evidence: noneEvidence(e, strs, kept, d.best)}
	}
	win := d.winner
	c := classification{}
	// An agent whose own pod runs its sandboxes (privileged: containers
	// inside the pod) executes the code it is given: a code-exec host. An
	// agent that starts them through the node's runtime socket stays the
	// agent: the code runs elsewhere.
	var refined []Evidence
	if typeOrder[win] == policy.Agent && f.privileged {
		refined = []Evidence{{Text: "privileged container: the agent's code and containers run inside this pod (docker-in-docker): it executes the code (code-exec host)", Tier: TierWiring}}
		win = typeSlot(policy.CodeExec)
	}
	c.typ = typeOrder[win]
	// Strength is what decided plus the support weaker tiers add (their
	// votes against cannot lower it); the lead over the runner-up is taken
	// over that or where the decision fell, whichever is larger.
	strength := sc.support(d.winner, d.tier)
	lead := strength
	if d.second >= 0 {
		lead = math.Max(0, math.Max(d.margin, strength-sc.support(d.second, d.tier)))
	}
	c.confidence = confidence(strength, strength-math.Min(lead, strength))
	if d.tier == TierNames && !sc.supportAbove(d.winner, TierNames) {
		c.uncertain = true
		c.confidence = math.Min(c.confidence, uncertainCap)
	}
	if typeOrder[d.winner] != policy.Inference {
		gpu = nil // GPUs add to serving only
	}
	c.evidence = append(refined, e.evidenceFor(f, strs, kept, typeOrder[d.winner], gpu)...)
	if d.tie != "" {
		c.evidence = append(c.evidence, Evidence{Text: d.tie})
	}
	if d.second >= 0 && d.runnerUp > 0 {
		c.evidence = append(c.evidence, e.runnerUp(strs, kept, typeOrder[d.second], d.runnerUp, d.decided, d.tier))
	}
	return c
}

// decision is which tier decided and for which type.
type decision struct {
	tier           Tier
	winner, second int
	best           float64 // the best score reached, decided or not
	// decided and runnerUp are the winner's and the runner-up's scores
	// at the deciding tier; margin is their difference.
	decided, runnerUp, margin float64
	tie                       string // how a tie was broken, when one was
}

// total is a type's score over all tiers.
func (sc *scores) total(t int) float64 {
	sum := 0.0
	for k := TierRuns; k <= tiers; k++ {
		sum += sc.by[k][t]
	}
	return sum
}

// supportAbove says whether tiers stronger than k vote for type t.
func (sc *scores) supportAbove(t int, k Tier) bool {
	for j := TierRuns; j < k; j++ {
		if sc.by[j][t] > 0 {
			return true
		}
	}
	return false
}

// decide walks the tiers from the strongest, adding each tier's votes to
// those above it, and stops at the first where a type reaches the
// threshold. A type that what runs votes against is out of the race.
// Equal scores are broken by the weaker tiers' votes, then by risk.
func (sc *scores) decide() decision {
	d := decision{winner: -1, second: -1}
	out := sc.out
	var cum [len(typeOrder)]float64
	for k := TierRuns; k <= tiers; k++ {
		for t := range typeOrder {
			cum[t] += sc.by[k][t]
		}
		best := -1
		for t := range typeOrder {
			if !out[t] && (best < 0 || cum[t] > cum[best]) {
				best = t
			}
		}
		if best < 0 {
			return d // every type is out
		}
		d.best = math.Max(d.best, cum[best])
		if cum[best] < threshold {
			continue
		}
		d.tier = k
		// Among the types tied at this tier, the weaker tiers decide;
		// still tied, the riskier type is taken (typeOrder ascends in
		// risk), since under-classifying leaves a pod under-isolated.
		var tied []int
		for t := range typeOrder {
			if !out[t] && cum[t] == cum[best] {
				tied = append(tied, t)
			}
		}
		d.winner = tied[len(tied)-1]
		if len(tied) > 1 {
			weaker := func(t int) float64 {
				sum := 0.0
				for j := k + 1; j <= tiers; j++ {
					sum += sc.by[j][t]
				}
				return sum
			}
			// tied ascends in risk: among equals the later wins.
			for _, t := range tied {
				if weaker(t) >= weaker(d.winner) {
					d.winner = t
				}
			}
			names := make([]string, len(tied))
			for i, t := range tied {
				names[i] = string(typeOrder[t])
			}
			if weaker(d.winner) > weaker(tied[0]) || weaker(d.winner) > weaker(tied[len(tied)-1]) {
				d.tie = strings.Join(names, " and ") + " tie on " + k.String() + "; weaker evidence decides"
			} else {
				d.tie = strings.Join(names, " and ") + " tie and nothing else tells them apart: the riskier type is taken"
			}
		}
		for t := range typeOrder {
			if t != d.winner && !out[t] && (d.second < 0 || cum[t] > cum[d.second]) {
				d.second = t
			}
		}
		d.decided = cum[d.winner]
		if d.second >= 0 {
			d.runnerUp = cum[d.second]
			d.margin = d.decided - d.runnerUp
		}
		return d
	}
	return d
}

// evidenceFor lists the evidence for a type, strongest tier first and,
// within a tier, heaviest first; then what speaks against it.
func (e *Engine) evidenceFor(f *features, strs *strcache, hits []hit, typ policy.WorkloadType, extra []Evidence) []Evidence {
	kept := f.kept[:0]
	defer func() { f.kept = kept }()
	for _, h := range hits {
		if votesFor(&e.signals[h.sig], typ) {
			kept = append(kept, h)
		}
	}
	// Strongest tier first; within a tier, evidence for this type alone
	// before evidence it shares (an agent-sandbox kind), heaviest first.
	shared := func(h hit) int { return len(e.signals[h.sig].votes) }
	slices.SortStableFunc(kept, func(a, b hit) int {
		return cmp.Or(cmp.Compare(a.found.tier, b.found.tier), cmp.Compare(shared(a), shared(b)), cmp.Compare(e.signals[b.sig].weight, e.signals[a.sig].weight))
	})
	// Room for the tie and runner-up lines the caller may add.
	out := make([]Evidence, 0, len(kept)+len(extra)+2)
	for _, h := range kept {
		if e.signals[h.sig].weight > 0 {
			out = append(out, Evidence{Text: strs.str(h.found.e), Tier: h.found.tier})
		}
	}
	out = append(out, extra...)
	slices.SortStableFunc(out, func(a, b Evidence) int { return cmp.Compare(a.Tier, b.Tier) })
	for _, h := range kept {
		if e.signals[h.sig].weight < 0 {
			out = append(out, Evidence{Text: strs.str(h.found.e) + " (against)", Tier: h.found.tier, Against: true})
		}
	}
	return out
}

// runnerUp says which other type the workload resembles, and why, with
// both scores where the decision fell.
func (e *Engine) runnerUp(strs *strcache, hits []hit, t policy.WorkloadType, score, best float64, at Tier) Evidence {
	parts := ev{"also looks like ", string(t), " (", fmtScore(score), " against ", fmtScore(best), " by ", at.String() + ")"}
	var why []string
	for _, h := range hits {
		if s := &e.signals[h.sig]; s.weight > 0 && votesFor(s, t) && len(why) < 2 {
			why = append(why, strs.str(h.found.e))
		}
	}
	if len(why) > 0 {
		parts[7] += ": " + strings.Join(why, "; ")
	}
	return Evidence{Text: strs.str(parts)}
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
func noneEvidence(e *Engine, strs *strcache, hits []hit, best float64) []Evidence {
	if len(hits) == 0 {
		return []Evidence{{Text: "no LLM signals in images, commands, env names, labels or owners"}}
	}
	out := make([]Evidence, 0, len(hits)+1)
	for _, h := range hits {
		s := &e.signals[h.sig]
		sign := "+"
		if s.weight < 0 {
			sign = ""
		}
		out = append(out, Evidence{Text: strs.str(h.found.e) + " [" + sign + fmtScore(s.weight) + " " + votesLabel(s.votes) + "]", Tier: h.found.tier, Against: s.weight < 0})
	}
	// What decided comes first: the evidence against, or else that the
	// evidence for fell short.
	slices.SortStableFunc(out, func(a, b Evidence) int {
		if a.Against != b.Against {
			if a.Against {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.Tier, b.Tier)
	})
	if best > 0 && !out[0].Against {
		out = append([]Evidence{{Text: "below the threshold for an LLM workload (best score " + fmtScore(best) + " of " + fmtScore(threshold) + ")"}}, out...)
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
