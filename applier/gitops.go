package applier

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tiergate/tiergate/internal/textutil"
)

// GitOps says that a delivery tool manages a live object, and by what
// evidence: what it declares, it sets back, so a live change to those
// fields does not last and the fix belongs in its source.
type GitOps struct {
	// Tool is "Argo CD", "Flux" or "Helm".
	Tool string `json:"tool"`
	// Evidence is the mark it was known by ("label
	// kustomize.toolkit.fluxcd.io/name=apps", "field manager
	// argocd-controller").
	Evidence string `json:"evidence"`
	// Reverts says when the tool sets its fields back.
	Reverts string `json:"reverts"`
}

// Note is what a person must know before changing the object live.
func (g *GitOps) Note() string {
	return "managed by " + g.Tool + " (" + g.Evidence + "): a live change to the fields it declares is set back " + g.Reverts +
		"; fix its source instead: tiergate fix -o kustomize or -o patch for its repository, or -f FILES -o manifests"
}

// deliveryTool is one tool and the marks it leaves on what it applies:
// labels and annotations it sets, and the field managers it writes as.
type deliveryTool struct {
	name, reverts string
	labels        []mark
	annotations   []mark
	managers      []string
}

// mark is a label or annotation key, with the value it must have ("" for
// any).
type mark struct{ key, value string }

// deliveryTools are checked in order, the first with any mark wins: Flux's
// helm-controller leaves Helm's marks too, and a chart Argo CD renders
// keeps app.kubernetes.io/managed-by: Helm. The names are the tools' own:
// Argo CD's tracking annotation and its documented instance label key
// (its default label, app.kubernetes.io/instance, is also every Helm
// chart's and proves nothing), its server-side apply manager
// (argocd-controller) and its client-side one (the controller's binary
// name); Flux's kustomize-controller and helm-controller labels and
// managers; Helm's release annotations and managed-by label, and its
// binary's name as manager.
var deliveryTools = []deliveryTool{
	{
		name: "Flux", reverts: "at its next reconciliation",
		labels:   []mark{{key: "kustomize.toolkit.fluxcd.io/name"}, {key: "helm.toolkit.fluxcd.io/name"}},
		managers: []string{"kustomize-controller", "helm-controller"},
	},
	{
		name: "Argo CD", reverts: "at its next sync (at once with self-heal)",
		annotations: []mark{{key: "argocd.argoproj.io/tracking-id"}},
		labels:      []mark{{key: "argocd.argoproj.io/instance"}},
		managers:    []string{"argocd-controller", "argocd-application-controller"},
	},
	{
		name: "Helm", reverts: "at the release's next upgrade",
		annotations: []mark{{key: "meta.helm.sh/release-name"}},
		labels:      []mark{{key: "app.kubernetes.io/managed-by", value: "Helm"}},
		managers:    []string{"helm"},
	},
}

// DetectGitOps says which delivery tool manages obj, or nil. It reads the
// object's labels, annotations and managedFields, so it needs the object
// as the API server returns it (a snapshot's objects have no
// managedFields).
func DetectGitOps(obj metav1.Object) *GitOps {
	if obj == nil {
		return nil
	}
	labels, annotations := obj.GetLabels(), obj.GetAnnotations()
	for _, t := range deliveryTools {
		if ev := t.evidence(labels, annotations, obj.GetManagedFields()); ev != "" {
			return &GitOps{Tool: t.name, Evidence: ev, Reverts: t.reverts}
		}
	}
	return nil
}

func (t deliveryTool) evidence(labels, annotations map[string]string, managed []metav1.ManagedFieldsEntry) string {
	for _, m := range t.labels {
		if v, ok := labels[m.key]; ok && (m.value == "" || v == m.value) {
			return "label " + m.key + "=" + shortValue(v)
		}
	}
	for _, m := range t.annotations {
		if v, ok := annotations[m.key]; ok && (m.value == "" || v == m.value) {
			return "annotation " + m.key + "=" + shortValue(v)
		}
	}
	for _, e := range managed {
		for _, name := range t.managers {
			if e.Manager == name {
				return "field manager " + name
			}
		}
	}
	return ""
}

// shortValue keeps a mark's value readable on one line (a tracking id
// can be long).
func shortValue(v string) string {
	v = textutil.Printable(v)
	if r := []rune(v); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return v
}
