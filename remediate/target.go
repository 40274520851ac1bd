package remediate

import (
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/tiergate/tiergate/audit"
)

// kindInfo is what tiergate knows of a kind it reads or writes: its API
// resource, and for the pod-bearing kinds where the pod spec sits.
type kindInfo struct {
	apiVersion, plural string
	// specPath is where a built-in kind's pod spec sits; "" for a kind
	// that holds none (or whose templates the object itself names).
	specPath string
	// custom: a custom resource whose schema embeds core PodTemplateSpecs
	// (LeaderWorkerSet's leader and worker, agent-sandbox's podTemplate).
	// The API server takes no strategic merge patch for it, so it gets
	// JSON patches, guarded by tests of what they index. With an
	// apiVersion, its live pods are fixed through it (read from the
	// cluster); without one, only the resource itself, from files.
	custom bool
	// recreate: its pod spec cannot change in place (a pod, a Job).
	recreate bool
}

// kinds is every kind fixes patch or create; applier maps targets to API
// resources through Plural.
var kinds = map[string]kindInfo{
	"Pod":             {apiVersion: "v1", plural: "pods", specPath: "spec", recreate: true},
	"Deployment":      {apiVersion: "apps/v1", plural: "deployments", specPath: "spec.template.spec"},
	"StatefulSet":     {apiVersion: "apps/v1", plural: "statefulsets", specPath: "spec.template.spec"},
	"DaemonSet":       {apiVersion: "apps/v1", plural: "daemonsets", specPath: "spec.template.spec"},
	"ReplicaSet":      {apiVersion: "apps/v1", plural: "replicasets", specPath: "spec.template.spec"},
	"Job":             {apiVersion: "batch/v1", plural: "jobs", specPath: "spec.template.spec", recreate: true},
	"CronJob":         {apiVersion: "batch/v1", plural: "cronjobs", specPath: "spec.jobTemplate.spec.template.spec"},
	"LeaderWorkerSet": {apiVersion: "leaderworkerset.x-k8s.io/v1", plural: "leaderworkersets", custom: true},
	"SandboxTemplate": {plural: "sandboxtemplates", custom: true},
	"Sandbox":         {plural: "sandboxes", custom: true},
	"ServiceAccount":  {apiVersion: "v1", plural: "serviceaccounts"},
	"NetworkPolicy":   {apiVersion: "networking.k8s.io/v1", plural: "networkpolicies"},
	"RuntimeClass":    {apiVersion: "node.k8s.io/v1", plural: "runtimeclasses"},
}

// Plural is the API resource name of a kind fixes patch or create.
func Plural(kind string) (string, bool) {
	k, ok := kinds[kind]
	return k.plural, ok
}

// targetOf names an object of a built-in kind fixes create or patch.
func targetOf(kind, namespace, name string) Target {
	return Target{APIVersion: kinds[kind].apiVersion, Kind: kind, Namespace: namespace, Name: name}
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
	if kind == w.Kind && kinds[kind].custom && w.APIVersion != "" {
		pt = patchTarget{Target: Target{APIVersion: w.APIVersion, Kind: kind, Namespace: w.Namespace, Name: name}, json: true}
		for _, t := range w.Templates {
			pt.specPaths = append(pt.specPaths, t.SpecPath)
		}
		return pt, "", true
	}
	if c := kinds[kind]; kind != w.Kind && c.custom && c.apiVersion != "" {
		// A live pod of a custom resource (a LeaderWorkerSet's StatefulSet
		// pod): fixed through the resource read from the cluster, whose
		// templates give the spec paths (Compute), never from the pod's
		// spec, which holds what the API server and webhooks added.
		return patchTarget{Target: Target{APIVersion: c.apiVersion, Kind: kind, Namespace: w.Namespace, Name: name}, json: true}, "", true
	}
	b, known := kinds[kind]
	known = known && b.specPath != ""
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
