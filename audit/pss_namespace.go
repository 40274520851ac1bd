package audit

import (
	"strings"

	pssapi "k8s.io/pod-security-admission/api"
)

// namespacePSS is what a namespace's Pod Security labels make the API
// server do.
type namespacePSS struct {
	policy pssapi.Policy
	// labelled: the namespace has at least one pod-security label.
	labelled bool
	shown    *NamespacePodSecurity
	// invalid names labels the API server would refuse on the namespace
	// (files only: a live namespace cannot carry them).
	invalid string
}

// namespacePolicies reads the Pod Security labels as the API server does
// (api.PolicyToEvaluate, its defaults privileged:latest; an invalid
// enforce level enforces restricted, as the server fails closed).
func namespacePolicies(nss []Namespace) map[string]namespacePSS {
	out := make(map[string]namespacePSS, len(nss))
	defaults := pssapi.Policy{
		Enforce: pssapi.LevelVersion{Level: pssapi.LevelPrivileged, Version: pssapi.LatestVersion()},
		Audit:   pssapi.LevelVersion{Level: pssapi.LevelPrivileged, Version: pssapi.LatestVersion()},
		Warn:    pssapi.LevelVersion{Level: pssapi.LevelPrivileged, Version: pssapi.LatestVersion()},
	}
	for _, ns := range nss {
		p, errs := pssapi.PolicyToEvaluate(ns.Labels, defaults)
		labelled := false
		for k := range ns.Labels {
			if strings.HasPrefix(k, "pod-security.kubernetes.io/") {
				labelled = true
			}
		}
		nsp := namespacePSS{policy: p, labelled: labelled, shown: &NamespacePodSecurity{
			Enforce: p.Enforce.String(), Audit: p.Audit.String(), Warn: p.Warn.String(),
		}}
		if len(errs) > 0 {
			nsp.invalid = "; its labels are invalid and the API server refuses the namespace: " + errs.ToAggregate().Error()
		}
		out[ns.Name] = nsp
	}
	return out
}

// checkNamespaceRejects reports a workload whose pods the namespace's
// enforce level rejects: the library judges each template at that level
// and version, whatever level the tiergate policy audits at.
func checkNamespaceRejects(s *subject) {
	ns, ok := s.ix.nsPSS[s.w.Namespace]
	if !ok || ns.policy.Enforce.Level == pssapi.LevelPrivileged {
		return // unknown labels (not in the input, or not readable) or nothing enforced
	}
	what := ": its pods cannot be created ("
	if s.w.Kind == "Pod" {
		what = ": the API server would not create it again ("
	}
	s.forTemplates(func(_ int, t *PodTemplate) {
		meta := s.pssMeta(t)
		ctrls := s.sc.pss.failed(ns.policy.Enforce, meta, t.Spec)
		if len(ctrls) == 0 {
			return
		}
		var reasons []string
		for _, c := range ctrls {
			reasons = append(reasons, c.result.ForbiddenReason)
		}
		s.emit(RuleNamespaceRejects, "", "", s.specPath(t, ""), s.msg(`namespace "`, s.w.Namespace, `" enforces Pod Security `, ns.policy.Enforce.String(), s.where(t), what, strings.Join(reasons, ", ")+")"+ns.invalid))
	})
}
