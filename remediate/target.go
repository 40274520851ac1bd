package remediate

import (
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/tiergate/tiergate/audit"
)

// builtin holds the pod-bearing kinds whose pod spec tiergate patches with
// a strategic merge patch, with their API version and where the pod spec
// sits.
var builtin = map[string]struct{ apiVersion, specPath string }{
	"Pod":         {"v1", "spec"},
	"Deployment":  {"apps/v1", "spec.template.spec"},
	"StatefulSet": {"apps/v1", "spec.template.spec"},
	"DaemonSet":   {"apps/v1", "spec.template.spec"},
	"ReplicaSet":  {"apps/v1", "spec.template.spec"},
	"Job":         {"batch/v1", "spec.template.spec"},
	"CronJob":     {"batch/v1", "spec.jobTemplate.spec.template.spec"},
}

// customKinds are the custom resources whose pod templates tiergate
// patches: their schemas embed core PodTemplateSpecs (LeaderWorkerSet's
// leader and worker templates, agent-sandbox's podTemplate). The API
// server takes no strategic merge patch for them, so they get JSON
// patches, guarded by tests of the container names they index.
var customKinds = map[string]bool{"LeaderWorkerSet": true, "SandboxTemplate": true, "Sandbox": true}

// patchTarget is where a workload's fixes go.
type patchTarget struct {
	Target
	// specPaths are the pod specs' paths in the target, one per template
	// of the workload.
	specPaths []string
	// json: the target takes JSON patches (a custom resource).
	json bool
}

// target resolves the object to patch for a workload: its top owner when
// the workload has one (a pod's Deployment, a Job's CronJob), never a pod
// that a controller would replace. ok is false, with the reason, when the
// owner is not a kind tiergate knows how to patch.
func target(w *audit.Workload) (pt patchTarget, why string, ok bool) {
	kind, name := w.Kind, w.Name
	switch {
	case len(w.Owners) > 0:
		top := w.Owners[len(w.Owners)-1]
		kind, name = top.Kind, top.Name
	case w.Owner != nil:
		kind, name = w.Owner.Kind, w.Owner.Name
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
	if kind == w.Kind && customKinds[kind] && w.APIVersion != "" {
		pt = patchTarget{Target: Target{APIVersion: w.APIVersion, Kind: kind, Namespace: w.Namespace, Name: name}, json: true}
		for _, t := range w.Templates {
			pt.specPaths = append(pt.specPaths, t.SpecPath)
		}
		return pt, "", true
	}
	b, known := builtin[kind]
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
	specPath, apiVersion := b.specPath, b.apiVersion
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
