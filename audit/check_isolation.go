package audit

import (
	"github.com/tiergate/tiergate/policy"
)

// Isolation: the boundary an LLM workload runs behind.
const (
	RuleBelowTier        = "TG-ISO-001"
	RuleBelowRecommended = "TG-ISO-002"
	RuleUnknownHandler   = "TG-ISO-003"
	RuleMissingClass     = "TG-ISO-004"
)

func isolationRules() []Rule {
	return []Rule{
		{
			ID: RuleBelowTier, Name: "runtime-below-tier", Category: CatIsolation, Severity: policy.High,
			SeverityNote: "medium one class below the minimum, high two below, critical three below or code-exec on a shared kernel",
			Title:        "Runtime isolation is below the tier's minimum",
			Rationale:    "The tier table says how thick a boundary each kind of LLM workload needs: an agent that calls tools or a code runner turns untrusted text into actions, and on a shared kernel one kernel bug is a node escape.",
			Fix:          "Set spec.runtimeClassName to a RuntimeClass whose handler gives the required isolation (gVisor, Kata VM, Firecracker microVM).",
			Remedy:       Remedy{Kind: RemedyRuntimeClass},
			check:        checkBelowTier,
		},
		{
			ID: RuleBelowRecommended, Name: "runtime-below-recommended", Category: CatIsolation, Severity: policy.Low,
			Title:     "Runtime isolation meets the minimum but not the recommendation",
			Rationale: "The tier table recommends a stronger boundary than it requires for this type (inference: gVisor) because model servers parse untrusted prompts and files.",
			Fix:       "Consider a gVisor RuntimeClass (runsc, with nvproxy for GPUs).",
			Remedy:    Remedy{Kind: RemedyManual, Manual: "below the recommended isolation only; tiergate fixes the minimum, choose a stronger RuntimeClass by hand"},
			check:     checkBelowRecommended,
		},
		{
			ID: RuleUnknownHandler, Name: "runtime-handler-unknown", Category: CatIsolation, Severity: policy.High,
			SeverityNote: "medium for inference and retrieval",
			Title:        "Runtime handler is not a known runtime",
			Rationale:    "tiergate cannot tell what isolation an unrecognised handler gives and will not guess.",
			Fix:          "Add the handler to the policy's handlers list with its isolation class.",
			Remedy:       Remedy{Kind: RemedyManual, Manual: "the policy does not know this handler: map it under handlers: in the policy, or choose a known RuntimeClass"},
			check:        checkUnknownHandler,
		},
		{
			ID: RuleMissingClass, Name: "runtimeclass-missing", Category: CatIsolation, Severity: policy.High,
			Title:     "RuntimeClass does not exist",
			Rationale: "A pod naming a RuntimeClass that does not exist is rejected at admission: the workload does not run at all.",
			Fix:       "Create the RuntimeClass or fix spec.runtimeClassName.",
			Remedy:    Remedy{Kind: RemedyRuntimeClass},
			check:     checkMissingClass,
		},
	}
}

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
