package audit

import (
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
		s.emit(RuleBelowTier, belowTierSeverity(s.typ, gap, iso.class), "", s.specPath(t, ".runtimeClassName"),
			s.msg(string(s.typ), " workload runs on ", string(iso.class), s.describeRC(iso), s.where(t), "; the tier table requires ", string(tier.Minimum), gapText[gap]))
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
		s.emit(RuleBelowRecommended, "", "", s.specPath(t, ".runtimeClassName"),
			s.msg(string(s.typ), " workload runs on ", string(iso.class), s.where(t), "; ", string(tier.Recommended), " is recommended"))
	})
}

func checkUnknownHandler(s *subject) {
	s.forTemplates(func(i int, t *PodTemplate) {
		iso := s.isos[i]
		if !iso.unknownHandler {
			return
		}
		sev := s.riskSeverity()
		uses := ` uses handler "`
		if iso.assumed {
			uses = ` is assumed to use handler "`
		}
		s.emit(RuleUnknownHandler, sev, "", s.specPath(t, ".runtimeClassName"),
			s.msg("RuntimeClass ", iso.rcName, uses, iso.handler, `"`, s.where(t), ", which tiergate does not know: its isolation is unknown (add it to the policy's handlers)"))
	})
}

func checkMissingClass(s *subject) {
	s.forTemplates(func(i int, t *PodTemplate) {
		iso := s.isos[i]
		if !iso.missing {
			return
		}
		what := ": the pod will be rejected at admission"
		if s.w.NodeName != "" {
			what = ": it was deleted after this pod started, and a new pod would be rejected at admission"
		}
		s.emit(RuleMissingClass, "", "", s.specPath(t, ".runtimeClassName"),
			s.msg("RuntimeClass ", iso.rcName, " does not exist", s.where(t), what))
	})
}

func (s *subject) describeRC(iso templateIso) string {
	if iso.rcName == "" {
		return " (no runtimeClassName)"
	}
	return s.msg(" (RuntimeClass ", iso.rcName, ", handler ", iso.handler, ")")
}

// gapText says how many classes short, by gap (1..3).
var gapText = [...]string{"", " (1 class short)", " (2 classes short)", " (3 classes short)"}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
