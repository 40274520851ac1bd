package manifest

import (
	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/kinds"
)

// templateRef names the object whose pod template another runs: the
// kind, in its group (agent-sandbox's SandboxTemplate is not
// OpenKruise's), and the name, in the same namespace.
type templateRef struct {
	kind *kinds.Kind
	name string
}

// refOf reads where an object that carries no pod template of its own
// takes one from:
//   - agent-sandbox: spec.sandboxTemplateRef.name (a SandboxTemplate) or
//     spec.warmPoolRef.name (a SandboxWarmPool), the registry's RefFields;
//   - OpenKruise agents: a Sandbox's or SandboxSet's spec.templateRef.name
//     (a SandboxTemplate), a SandboxClaim's spec.templateName (the
//     SandboxSet it claims from);
//   - OpenSandbox: a BatchSandbox's spec.poolRef (a Pool).
func refOf(o *Object, spec map[string]any) *templateRef {
	named := func(field string) string {
		m, _ := spec[field].(map[string]any)
		name, _ := m["name"].(string)
		return name
	}
	str := func(field string) string {
		s, _ := spec[field].(string)
		return s
	}
	k, _ := kinds.ForAPIVersion(o.GetAPIVersion(), o.GetKind())
	var ref templateRef
	switch {
	case k == nil:
	case k.Group == kinds.KruiseSandboxClaim.Group:
		if k == kinds.KruiseSandboxClaim {
			ref = templateRef{kinds.KruiseSandboxSet, str("templateName")}
		} else if _, inline := spec["template"]; !inline {
			ref = templateRef{kinds.KruiseSandboxTemplate, named("templateRef")}
		}
	case k == kinds.BatchSandbox:
		if _, inline := spec["template"]; !inline {
			ref = templateRef{kinds.OpenSandboxPool, str("poolRef")}
		}
	}
	if ref.name != "" {
		return &ref
	}
	// agent-sandbox's fields are named for it wherever they appear.
	if name := named(kinds.SandboxTemplate.RefField); name != "" {
		return &templateRef{kinds.SandboxTemplate, name}
	}
	if name := named(kinds.SandboxWarmPool.RefField); name != "" {
		return &templateRef{kinds.SandboxWarmPool, name}
	}
	return nil
}

// maxRefs bounds a chain of references (claim → pool → template), in
// case objects point at one another in a loop.
const maxRefs = 4

// resolveTemplateRefs gives each workload that carries no pod template
// the templates of the object it points at, following that object's own
// reference (a claim's warm pool's SandboxTemplate) when it has none,
// among the objects in the input. Where the chain ends at an object not
// in the input, Extra.TemplateRef names it.
func resolveTemplateRefs(all []*audit.Workload, refs map[*audit.Workload]crdFacts) {
	find := func(ref *templateRef, ns string) *audit.Workload {
		for _, w := range all {
			if w.Kind == ref.kind.Kind && w.Namespace == ns && w.Name == ref.name {
				if k, ok := kinds.ForAPIVersion(w.APIVersion, w.Kind); ok && k == ref.kind {
					return w
				}
			}
		}
		return nil
	}
	for w, cf := range refs {
		if len(w.Templates) > 0 {
			continue
		}
		ref := cf.ref
		for range maxRefs {
			target := find(ref, w.Namespace)
			if target == nil {
				w.Extra.TemplateRef = ref.kind.Kind + "/" + ref.name
				break
			}
			if own := ownTemplates(target); len(own) > 0 {
				from := target.Kind + "/" + target.Name
				for _, t := range own {
					t.From = from
					w.Templates = append(w.Templates, t)
				}
				if w.Extra.NetworkPolicy == nil {
					w.Extra.NetworkPolicy = target.Extra.NetworkPolicy
				}
				break
			}
			next := refs[target].ref
			if next == nil {
				break
			}
			ref = next
		}
	}
}

// ownTemplates are the pod templates an object carries itself, not
// those it took from another.
func ownTemplates(w *audit.Workload) []audit.PodTemplate {
	var out []audit.PodTemplate
	for _, t := range w.Templates {
		if t.From == "" {
			out = append(out, t)
		}
	}
	return out
}
