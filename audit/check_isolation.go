package audit

import (
	"strconv"

	"github.com/tiergate/tiergate/policy"
)

// belowTierSeverity grows with the gap between required and actual
// isolation; code running on a shared kernel is always critical.
func belowTierSeverity(typ policy.WorkloadType, gap int, actual policy.Isolation) policy.Severity {
	if typ == policy.CodeExec && actual == policy.SharedKernel {
		return policy.Critical
	}
	return policy.SeverityFromRank(gap + 1)
}

func checkBelowTier(s *subject) {
	tier, ok := s.e.pol.Tier(s.typ)
	if !ok {
		return
	}
	s.forTemplates(func(i int, t *PodTemplate) {
		iso := s.isos[i]
		if iso.class == policy.Unknown {
			return
		}
		gap := tier.Minimum.Rank() - iso.class.Rank()
		if gap <= 0 {
			return
		}
		s.emit(RuleBelowTier, belowTierSeverity(s.typ, gap, iso.class), "", t.SpecPath+".runtimeClassName",
			string(s.typ)+" workload runs on "+string(iso.class)+describeRC(iso)+s.where(t)+"; the tier table requires "+string(tier.Minimum)+" ("+strconv.Itoa(gap)+" class"+plural(gap, "", "es")+" short)")
	})
}

func checkBelowRecommended(s *subject) {
	tier, ok := s.e.pol.Tier(s.typ)
	if !ok || tier.Recommended == "" {
		return
	}
	s.forTemplates(func(i int, t *PodTemplate) {
		iso := s.isos[i]
		r := iso.class.Rank()
		if r < tier.Minimum.Rank() || r >= tier.Recommended.Rank() {
			return
		}
		s.emit(RuleBelowRecommended, "", "", t.SpecPath+".runtimeClassName",
			string(s.typ)+" workload runs on "+string(iso.class)+s.where(t)+"; "+string(tier.Recommended)+" is recommended")
	})
}

func checkUnknownHandler(s *subject) {
	s.forTemplates(func(i int, t *PodTemplate) {
		iso := s.isos[i]
		if !iso.unknownHandler {
			return
		}
		sev := policy.High
		if !s.riskier() {
			sev = policy.Medium
		}
		s.emit(RuleUnknownHandler, sev, "", t.SpecPath+".runtimeClassName",
			"RuntimeClass "+iso.rcName+" uses handler "+strconv.Quote(iso.handler)+s.where(t)+", which tiergate does not know: its isolation is unknown (add it to the policy's handlers)")
	})
}

func checkMissingClass(s *subject) {
	s.forTemplates(func(i int, t *PodTemplate) {
		iso := s.isos[i]
		if !iso.missing {
			return
		}
		s.emit(RuleMissingClass, "", "", t.SpecPath+".runtimeClassName",
			"RuntimeClass "+iso.rcName+" does not exist"+s.where(t)+": the pod will be rejected at admission")
	})
}

func describeRC(iso templateIso) string {
	if iso.rcName == "" {
		return " (no runtimeClassName)"
	}
	return " (RuntimeClass " + iso.rcName + ", handler " + iso.handler + ")"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
