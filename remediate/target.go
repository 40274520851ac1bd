package remediate

import (
	"github.com/tiergate/tiergate/audit"
)

// builtin holds the pod-bearing kinds whose pod spec tiergate patches,
// with their API version and where the pod spec sits.
var builtin = map[string]struct{ apiVersion, specPath string }{
	"Pod":         {"v1", "spec"},
	"Deployment":  {"apps/v1", "spec.template.spec"},
	"StatefulSet": {"apps/v1", "spec.template.spec"},
	"DaemonSet":   {"apps/v1", "spec.template.spec"},
	"ReplicaSet":  {"apps/v1", "spec.template.spec"},
	"Job":         {"batch/v1", "spec.template.spec"},
	"CronJob":     {"batch/v1", "spec.jobTemplate.spec.template.spec"},
}

// target resolves the object to patch for a workload: its top owner when
// the workload has one (a pod's Deployment, a Job's CronJob), never a pod
// that a controller would replace. ok is false, with the reason, when the
// owner is not a kind tiergate knows how to patch.
func target(w *audit.Workload) (t Target, specPath, why string, ok bool) {
	kind, name := w.Kind, w.Name
	switch {
	case len(w.Owners) > 0:
		top := w.Owners[len(w.Owners)-1]
		kind, name = top.Kind, top.Name
	case w.Owner != nil:
		kind, name = w.Owner.Kind, w.Owner.Name
	}
	b, known := builtin[kind]
	if !known {
		if kind == w.Kind {
			return Target{}, "", kind + " is a custom resource tiergate does not patch yet: change its pod template by hand", false
		}
		return Target{}, "", "owned by " + kind + "/" + name + ", which tiergate does not patch yet: change its pod template by hand", false
	}
	if len(w.Templates) != 1 || w.Templates[0].Spec == nil {
		return Target{}, "", "no single pod template to patch", false
	}
	// A workload read from files knows its own spec path; a live pod's
	// owner is patched at the owner kind's path.
	specPath = b.specPath
	if kind == w.Kind && w.Templates[0].SpecPath != "" {
		specPath = w.Templates[0].SpecPath
	}
	apiVersion := b.apiVersion
	if kind == w.Kind && w.APIVersion != "" {
		apiVersion = w.APIVersion
	}
	return Target{APIVersion: apiVersion, Kind: kind, Namespace: w.Namespace, Name: name}, specPath, "", true
}
