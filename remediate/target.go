package remediate

import (
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/kinds"
)

// targetOf names an object of a built-in kind fixes create or patch.
func targetOf(k *kinds.Kind, namespace, name string) Target {
	return Target{APIVersion: k.APIVersion(), Kind: k.Kind, Namespace: namespace, Name: name}
}

// patchTarget is where a workload's fixes go.
type patchTarget struct {
	Target
	// specPaths are the pod specs' paths in the target, one per template
	// of the workload.
	specPaths []string
	// json: the target takes JSON patches (a custom resource).
	json bool
}

// target resolves the object to patch for a workload: the owner whose
// controller would undo a change to it (a pod's Deployment, a Job's
// CronJob), never a pod that a controller would replace. ok is false,
// with the reason, when that object is not of a kind tiergate knows how
// to patch.
func target(w *audit.Workload) (patchTarget, string, bool) {
	return targetBy(w, kinds.ForAPIVersion)
}

// targetBy is target with the registry it asks, by apiVersion and kind
// (two groups may name a kind alike).
func targetBy(w *audit.Workload, lookup func(apiVersion, kind string) (*kinds.Kind, bool)) (pt patchTarget, why string, ok bool) {
	apiVersion, kind, name := w.APIVersion, w.Kind, w.Name
	chain := w.Owners
	if len(chain) == 0 && w.Owner != nil {
		chain = []audit.Owner{*w.Owner}
	}
	for _, o := range chain {
		// An owner that says it leaves what it creates alone is where
		// the climb stops; one that does not say is assumed to revert.
		if k, known := lookup(o.APIVersion, o.Kind); known && k.Creates != "" && !k.Reverts {
			break
		}
		apiVersion, kind, name = o.APIVersion, o.Kind, o.Name
	}
	// The chain may stop short of the custom resource the pod runs from
	// (a LeaderWorkerSet's worker StatefulSet is the leader pod's, which
	// is not indexed; a serverless InferenceService's ends at a Knative
	// Revision): that resource's controller reverts what is below it.
	if rf := w.RunsFrom; rf != nil && (kind != rf.Kind || name != rf.Name) {
		if k, known := lookup(apiVersion, kind); !known || !k.Custom() {
			apiVersion, kind, name = rf.APIVersion, rf.Kind, rf.Name
		}
	}
	// Names go into kubectl commands and API paths: a name no API server
	// would accept ("--all-namespaces", "a;b") is never used.
	if len(validation.IsDNS1123Subdomain(name)) > 0 || (w.Namespace != "" && len(validation.IsDNS1123Label(w.Namespace)) > 0) {
		return pt, "its name or namespace is not a valid Kubernetes name", false
	}
	if len(w.Templates) == 0 {
		return pt, "no pod template to patch", false
	}
	for _, t := range w.Templates {
		if t.Spec == nil {
			return pt, "a pod template is not in the input", false
		}
		if t.From != "" {
			return pt, "its pod template comes from " + t.From + ": fix that object", false
		}
	}
	k, known := lookup(apiVersion, kind)
	custom := known && k.Patch == kinds.JSONPatch
	if kind == w.Kind && custom && w.APIVersion != "" {
		// A custom resource read as it is (from files, or from the
		// cluster for its pods): its templates give the spec paths.
		pt = patchTarget{Target: Target{APIVersion: w.APIVersion, Kind: kind, Namespace: w.Namespace, Name: name}, json: true}
		for _, t := range w.Templates {
			pt.specPaths = append(pt.specPaths, t.SpecPath)
		}
		return pt, "", true
	}
	if kind != w.Kind && custom && k.Version != "" {
		// A live pod of a custom resource (a LeaderWorkerSet's StatefulSet
		// pod): fixed through the resource read from the cluster, whose
		// templates give the spec paths (Compute), never from the pod's
		// spec, which holds what the API server and webhooks added. A
		// custom kind with no version is read from files only.
		return patchTarget{Target: Target{APIVersion: k.APIVersion(), Kind: kind, Namespace: w.Namespace, Name: name}, json: true}, "", true
	}
	// A built-in kind with one pod template is patched at its path.
	known = known && k.Patch == kinds.StrategicMerge && len(k.Templates) == 1
	switch {
	case !known && kind == w.Kind:
		return pt, kind + " is a custom resource tiergate does not patch yet: change its pod template by hand", false
	case !known:
		return pt, "owned by " + kind + "/" + name + ", which tiergate does not patch yet: change its pod template by hand", false
	case len(w.Templates) != 1:
		return pt, "no single pod template to patch", false
	}
	// A workload read from files knows its own spec path; a live pod's
	// owner is patched at the owner kind's path.
	specPath := k.Templates[0].Path
	apiVersion = k.APIVersion()
	if kind == w.Kind {
		if w.Templates[0].SpecPath != "" {
			specPath = w.Templates[0].SpecPath
		}
		if w.APIVersion != "" {
			apiVersion = w.APIVersion
		}
	}
	return patchTarget{Target: Target{APIVersion: apiVersion, Kind: kind, Namespace: w.Namespace, Name: name}, specPaths: []string{specPath}}, "", true
}
