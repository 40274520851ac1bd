package audit

import (
	"strings"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/tiergate/tiergate/kinds"
)

// OwnerKey names a controller object.
type OwnerKey struct{ Kind, Namespace, Name string }

// OwnerIndex maps controllers to their own controlling owner (a
// ReplicaSet to its Deployment, a StatefulSet to its LeaderWorkerSet).
type OwnerIndex map[OwnerKey]Owner

// maxOwnerDepth bounds a chain, in case owner references form a loop.
const maxOwnerDepth = 8

// Chain returns the owner chain of an object in namespace whose
// controller is direct, nearest first.
func (ix OwnerIndex) Chain(namespace string, direct *Owner) []Owner {
	if direct == nil {
		return nil
	}
	chain := []Owner{*direct}
	for cur := *direct; len(chain) < maxOwnerDepth; {
		next, ok := ix[OwnerKey{cur.Kind, namespace, cur.Name}]
		if !ok {
			break
		}
		chain = append(chain, next)
		cur = next
	}
	return chain
}

// WithDeployment completes a pod's chain that ends at an object whose own
// owner is unknown (ReplicaSets not readable, or not in the input) when
// the registry knows the kind that names such objects after itself and a
// hash its pods carry: a Deployment names its ReplicaSets
// "<deployment>-<pod-template-hash>".
func WithDeployment(chain []Owner, podLabels map[string]string) []Owner {
	if len(chain) == 0 {
		return chain
	}
	last := chain[len(chain)-1]
	namer, ok := kinds.HashNamer(last.Kind)
	if !ok {
		return chain
	}
	hash := podLabels[namer.ChildHashLabel]
	if hash == "" || !strings.HasSuffix(last.Name, "-"+hash) {
		return chain
	}
	return append(chain, Owner{Kind: namer.Kind, Name: strings.TrimSuffix(last.Name, "-"+hash)})
}

// nameLabelled are the kinds whose controller puts its name on every pod
// it runs (kinds.Kind.NameLabel).
var nameLabelled = func() []*kinds.Kind {
	var out []*kinds.Kind
	for _, k := range kinds.All() {
		if k.NameLabel != "" {
			out = append(out, k)
		}
	}
	return out
}()

// SelectWorkloads keeps every pod and, of the other workloads, those that
// no pod runs from and whose own controller is not among them: a cluster
// (or a dump of one) is audited pod by pod, plus the controllers that
// have no pods — scaled to zero, failing admission, CronJobs between runs
// — once each, at the top of their chain. A custom resource (a
// LeaderWorkerSet, a Sandbox, an InferenceService) stays a row of its own
// even with pods, its template audited as the offline audit does: its
// Status counts its pods, and each of them names it in RunsFrom, so the
// report and the view list them under it. It returns how many workloads
// it left out because pods or their owners represent them.
func SelectWorkloads(ws []Workload) ([]Workload, int) {
	present := map[OwnerKey]bool{}
	covered := map[OwnerKey]bool{}
	for i := range ws {
		w := &ws[i]
		if w.Kind != "Pod" {
			present[OwnerKey{w.Kind, w.Namespace, w.Name}] = true
			continue
		}
		for _, o := range w.Owners {
			covered[OwnerKey{o.Kind, w.Namespace, o.Name}] = true
		}
		if w.Owner != nil && len(w.Owners) == 0 {
			covered[OwnerKey{w.Owner.Kind, w.Namespace, w.Owner.Name}] = true
		}
		// A controller that names its pods by a label runs them even
		// where the owner chain breaks (KServe's serverless mode: the
		// chain ends at a Knative Revision, which is not read).
		for _, k := range nameLabelled {
			if name := w.Labels[k.NameLabel]; name != "" {
				covered[OwnerKey{k.Kind, w.Namespace, name}] = true
			}
		}
	}
	out := make([]Workload, 0, len(ws)) // one allocation, not a doubling
	left := 0
	kept := map[OwnerKey]int{} // custom resources kept with pods → index in out
	for i := range ws {
		w := &ws[i]
		if w.Kind != "Pod" {
			key := OwnerKey{w.Kind, w.Namespace, w.Name}
			if w.Owner != nil && present[OwnerKey{w.Owner.Kind, w.Namespace, w.Owner.Name}] {
				left++
				continue
			}
			if covered[key] {
				if !custom(w.Kind) {
					left++
					continue
				}
				kept[key] = len(out)
			}
		}
		out = append(out, *w)
	}
	if len(kept) == 0 {
		return out, left
	}
	pods := make([]int, len(out))
	for i := range out {
		if w := &out[i]; w.Kind == "Pod" {
			if j, ok := runsFrom(w, kept); ok {
				w.RunsFrom = &Owner{Kind: out[j].Kind, Name: out[j].Name}
				pods[j]++
			}
		}
	}
	for _, j := range kept {
		// A fresh Status: the workload's may be shared with the cache.
		out[j].Status = &Status{Status: StatusPods, Pods: pods[j]}
	}
	return out, left
}

// runsFrom finds the custom resource kept among the workloads that a pod
// runs from: the nearest one up its owner chain (a RayCluster whose
// RayService is in the input was left out for it), else the one whose
// name label it carries.
func runsFrom(w *Workload, kept map[OwnerKey]int) (int, bool) {
	chain := w.Owners
	if len(chain) == 0 && w.Owner != nil {
		chain = []Owner{*w.Owner}
	}
	for _, o := range chain {
		if j, ok := kept[OwnerKey{o.Kind, w.Namespace, o.Name}]; ok {
			return j, true
		}
	}
	for _, k := range nameLabelled {
		if name := w.Labels[k.NameLabel]; name != "" {
			if j, ok := kept[OwnerKey{k.Kind, w.Namespace, name}]; ok {
				return j, true
			}
		}
	}
	return 0, false
}

// custom says a kind is a custom resource the registry knows.
func custom(kind string) bool {
	k, ok := kinds.Lookup(kind)
	return ok && k.Custom()
}

// Selected reports whether a workload is in the user's scope: its
// namespace (when namespace is set) and the label selector, matched
// against the object's labels or its pod templates'.
func Selected(w *Workload, namespace string, sel labels.Selector) bool {
	if namespace != "" && w.Namespace != namespace {
		return false
	}
	if sel == nil || sel.Empty() {
		return true
	}
	if sel.Matches(labels.Set(w.Labels)) {
		return true
	}
	for _, t := range w.Templates {
		if sel.Matches(labels.Set(t.Labels)) {
			return true
		}
	}
	return false
}
