package audit

import (
	"cmp"

	"github.com/tiergate/tiergate/policy"
)

// Identity: what the pod may do as its ServiceAccount.
const (
	RuleTokenAutomount = "TG-IDN-001"
)

func identityRules() []Rule {
	return []Rule{
		{
			ID: RuleTokenAutomount, Name: "sa-token-automount", Category: CatIdentity, Severity: policy.Medium,
			SeverityNote: "high for agent and code-exec",
			Title:        "Service account token is mounted",
			Rationale:    "A mounted token lets code in the pod call the Kubernetes API as the pod's ServiceAccount.",
			Fix:          "Set automountServiceAccountToken: false on the pod template (or on the ServiceAccount).",
			Remedy:       Remedy{Kind: RemedyServiceAccount},
			check:        checkTokenAutomount,
		},
	}
}

func checkTokenAutomount(s *subject) {
	s.forTemplates(func(_ int, t *PodTemplate) {
		spec := t.Spec
		sev := s.riskSeverity()
		if spec.AutomountServiceAccountToken != nil {
			if !*spec.AutomountServiceAccountToken {
				return
			}
			s.emit(RuleTokenAutomount, sev, "", s.specPath(t, ".automountServiceAccountToken"), s.msg("pod sets automountServiceAccountToken: true", s.where(t)))
			return
		}
		if s.ix.sasHidden {
			return // the ServiceAccount may disable it; said once, in the gaps
		}
		// serviceAccount is the deprecated spelling the API still accepts.
		saName := cmp.Or(spec.ServiceAccountName, spec.DeprecatedServiceAccount, "default")
		sa := s.ix.serviceAccounts[s.w.Namespace+"/"+saName]
		if sa != nil && sa.AutomountServiceAccountToken != nil && !*sa.AutomountServiceAccountToken {
			return
		}
		why := " does not set it either"
		if sa == nil {
			why = " is not in the input, so the default (mount) applies"
			if !s.ix.offline {
				why = " does not exist, so the default (mount) applies"
			}
		}
		s.emit(RuleTokenAutomount, sev, "", s.specPath(t, ".automountServiceAccountToken"),
			s.msg("service account token is mounted", s.where(t), ": the pod does not set automountServiceAccountToken: false and ServiceAccount ", saName, why))
	})
}
