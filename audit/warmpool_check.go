package audit

import (
	"strings"

	"github.com/tiergate/tiergate/kinds"
	"github.com/tiergate/tiergate/policy"
)

// Warm pools: sandboxes made before their template changed.
const (
	RuleWarmPoolStale = "TG-ISO-006"
)

func warmPoolRules() []Rule {
	return []Rule{
		{
			ID: RuleWarmPoolStale, Name: "warm-pool-stale-isolation", Category: CatIsolation, Severity: policy.Medium,
			SeverityNote: "high when the template now gives a stronger isolation class than the stale sandbox runs, low when a weaker one; runs on every warm pool sandbox, LLM workload or not",
			Title:        "A warm pool sandbox runs an older template's isolation",
			Rationale:    "agent-sandbox's SandboxWarmPool keeps sandboxes made from an older version of its SandboxTemplate under its default OnReplenish strategy until they are deleted or claimed, and a claim adopts one as it is: the next user's code runs behind the isolation the template no longer says (its RuntimeClass, host namespaces, token, security contexts).",
			Fix:          "Delete the stale sandboxes (kubectl delete sandbox NAME -n NAMESPACE): the pool replaces each with one made from the current template. Or set the pool's spec.updateStrategy.type: Recreate, and it replaces every stale unclaimed sandbox itself, now and on later template changes.",
			Remedy:       Remedy{Kind: RemedyManual, Manual: "the pool's controller replaces its sandboxes: delete the stale ones, or set the pool's spec.updateStrategy.type: Recreate"},
			AnyPod:       true,
			check:        checkWarmPoolStale,
		},
	}
}

func checkWarmPoolStale(s *subject) {
	w := s.w
	if w.Kind != kinds.Pod.Kind {
		return // a Sandbox without its pod yet: the pod, once made, is judged
	}
	p, diffs := s.ix.warm.stale(w)
	if p == nil {
		return
	}
	t := &w.Templates[0]
	cur := p.Current.Spec
	rc := ""
	if cur.RuntimeClassName != nil {
		rc = *cur.RuntimeClassName
	}
	now, was := s.ix.isolation(rc), s.isos[0]
	sev := policy.Medium
	switch {
	case now.class == policy.Unknown || was.class == policy.Unknown:
	case now.class.Rank() > was.class.Rank():
		sev = policy.High
	case now.class.Rank() < was.class.Rank():
		sev = policy.Low
	}
	path := s.specPath(t, "")
	if strings.HasPrefix(diffs[0], "runtimeClassName ") {
		path = s.specPath(t, ".runtimeClassName")
	}
	// The pool counts Sandboxes: deleting one makes it create a fresh
	// one (a pod alone would be remade from the same stale Sandbox).
	roll := "kubectl delete pod " + w.Name + " -n " + w.Namespace
	if w.Owner != nil && isKind(w.Owner.APIVersion, w.Owner.Kind, kinds.Sandbox) {
		roll = "kubectl delete sandbox " + w.Owner.Name + " -n " + w.Namespace
	}
	from := "an older version of SandboxTemplate " + p.Template
	if h := w.Labels[templateRefLabel]; h != "" && h != NameHash(p.Template) {
		from = "another SandboxTemplate than the " + p.Template + " it names now" // its sandboxTemplateRef changed
	}
	s.emit(RuleWarmPoolStale, sev, "", path,
		"warm pool "+p.Name+" made this pod from "+from+": "+strings.Join(diffs, "; ")+
			". The pool's "+p.strategy()+" strategy keeps it until a claim adopts it as it is; its replacement runs the template's current isolation, "+
			string(now.class)+s.describeRC(now)+". Roll it: "+roll+", or set the pool's spec.updateStrategy.type: Recreate")
}
