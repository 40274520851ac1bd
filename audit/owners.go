package audit

import (
	"strings"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/tiergate/tiergate/kinds"
)

// OwnerKey names a controller object: its group and kind (two groups
// may name a kind alike), namespace and name.
type OwnerKey struct{ Group, Kind, Namespace, Name string }

// KeyOf is the OwnerKey of an object of apiVersion and kind.
func KeyOf(apiVersion, kind, namespace, name string) OwnerKey {
	return OwnerKey{groupOf(apiVersion, kind), kind, namespace, name}
}

// key is the OwnerKey of the owner in namespace.
func (o Owner) key(namespace string) OwnerKey {
	return KeyOf(o.APIVersion, o.Kind, namespace, o.Name)
}

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
		next, ok := ix[cur.key(namespace)]
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
	// The child is of its namer's group (a Deployment's ReplicaSets are
	// apps'), not a kind of the same name elsewhere.
	if !ok || groupOf(last.APIVersion, last.Kind) != namer.Group {
		return chain
	}
	hash := podLabels[namer.ChildHashLabel]
	if hash == "" || !strings.HasSuffix(last.Name, "-"+hash) {
		return chain
	}
	return append(chain, Owner{APIVersion: namer.APIVersion(), Kind: namer.Kind, Name: strings.TrimSuffix(last.Name, "-"+hash)})
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
// — once each, at the top of their chain. A custom resource that carries
// its own pod template (a LeaderWorkerSet, a Sandbox, an InferenceService)
// stays a row of its own even with pods, its template audited as the
// offline audit does, its Status saying it has pods (LinkRunsFrom counts
// those in scope). It returns how many workloads it left out because pods
// or their owners represent them.
func SelectWorkloads(ws []Workload) ([]Workload, int) {
	present := map[OwnerKey]bool{}
	covered := map[OwnerKey]bool{}
	for i := range ws {
		w := &ws[i]
		if w.Kind != "Pod" {
			present[KeyOf(w.APIVersion, w.Kind, w.Namespace, w.Name)] = true
			continue
		}
		for _, o := range w.Owners {
			covered[o.key(w.Namespace)] = true
		}
		if w.Owner != nil && len(w.Owners) == 0 {
			covered[w.Owner.key(w.Namespace)] = true
		}
		// A controller that names its pods by a label runs them even
		// where the owner chain breaks (KServe's serverless mode: the
		// chain ends at a Knative Revision, which is not read).
		for _, k := range nameLabelled {
			if name := w.Labels[k.NameLabel]; name != "" {
				covered[OwnerKey{k.Group, k.Kind, w.Namespace, name}] = true
			}
		}
	}
	out := make([]Workload, 0, len(ws)) // one allocation, not a doubling
	left := 0
	for i := range ws {
		w := &ws[i]
		if w.Kind != "Pod" {
			if w.Owner != nil && present[w.Owner.key(w.Namespace)] {
				left++
				continue
			}
			if covered[KeyOf(w.APIVersion, w.Kind, w.Namespace, w.Name)] {
				if !standsForItsPods(w) {
					left++
					continue
				}
				out = append(out, *w)
				// A fresh Status: the workload's may be shared with the cache.
				out[len(out)-1].Status = &Status{Status: StatusPods}
				continue
			}
		}
		out = append(out, *w)
	}
	return out, left
}

// standsForItsPods says a workload is a custom resource that carries its
// own pod template: not one that takes it from another object (a warm
// pool's or a claim's SandboxTemplate, whose findings the template's row
// already has).
func standsForItsPods(w *Workload) bool {
	k, ok := kinds.ForAPIVersion(w.APIVersion, w.Kind)
	if !ok || !k.Custom() {
		return false
	}
	for _, t := range w.Templates {
		if t.From != "" {
			return false
		}
	}
	return true
}

// LinkRunsFrom names, for each pod of ws, the custom resource among ws it
// runs from (SelectWorkloads kept it with StatusPods), and counts on each
// such resource the pods it runs in ws: call it on the workloads in scope
// (after -n and -l), so that a pod never names a resource that is not a
// row, and a count is what is listed.
func LinkRunsFrom(ws []Workload) {
	rows := map[OwnerKey]int{}
	for i := range ws {
		w := &ws[i]
		if w.Kind != "Pod" && w.Status != nil && w.Status.Status == StatusPods {
			rows[KeyOf(w.APIVersion, w.Kind, w.Namespace, w.Name)] = i
		}
	}
	if len(rows) == 0 {
		return
	}
	owners := make(map[int]*Owner, len(rows)) // one per resource, shared by its pods
	counts := make(map[int]int, len(rows))
	for i := range ws {
		w := &ws[i]
		if w.Kind != "Pod" {
			continue
		}
		w.RunsFrom = nil
		j, ok := runsFrom(w, rows)
		if !ok {
			continue
		}
		o := owners[j]
		if o == nil {
			o = &Owner{APIVersion: ws[j].APIVersion, Kind: ws[j].Kind, Name: ws[j].Name}
			owners[j] = o
		}
		w.RunsFrom = o
		counts[j]++
	}
	for _, j := range rows {
		ws[j].Status = &Status{Status: StatusPods, Pods: counts[j]}
	}
}

// runsFrom finds the custom resource among rows that a pod runs from: the
// nearest one up its owner chain (a RayCluster whose RayService is in the
// input was left out for it), else the one whose name label it carries.
func runsFrom(w *Workload, rows map[OwnerKey]int) (int, bool) {
	chain := w.Owners
	if len(chain) == 0 && w.Owner != nil {
		chain = []Owner{*w.Owner}
	}
	for _, o := range chain {
		if j, ok := rows[o.key(w.Namespace)]; ok {
			return j, true
		}
	}
	for _, k := range nameLabelled {
		if name := w.Labels[k.NameLabel]; name != "" {
			if j, ok := rows[OwnerKey{k.Group, k.Kind, w.Namespace, name}]; ok {
				return j, true
			}
		}
	}
	return 0, false
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
