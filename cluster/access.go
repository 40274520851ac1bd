package cluster

import (
	"context"
	"fmt"
	"sort"
	"sync"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"

	"github.com/tiergate/tiergate/kinds"
)

// readable is something the live audit reads, and what is lost without it.
type readable struct {
	gvr        schema.GroupVersionResource
	namespaced bool
	// required resources end the audit when forbidden; the others leave
	// a gap in it.
	required bool
	loss     string
	// kind is the registry's entry of a workload kind's resource.
	kind *kinds.Kind
}

// Resources the live audit lists and watches: the registry's kinds it
// watches (kinds.Kind.Watch) and the objects that decide their audit.
var (
	resPods            = watchOf(kinds.Pod)
	resNodes           = readable{gvr: schema.GroupVersionResource{Version: "v1", Resource: "nodes"}, namespaced: false, loss: "kernel facts, runtime handlers and GPU capacity unavailable"}
	resRuntimeClasses  = watchOf(kinds.RuntimeClass)
	resNetworkPolicies = watchOf(kinds.NetworkPolicy)
	resNamespaces      = readable{gvr: schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}, namespaced: false, loss: "Pod Security labels unknown: the namespace enforce check (TG-PSS-011) skipped"}
	resServiceAccounts = watchOf(kinds.ServiceAccount)
	resRoles           = readable{gvr: schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles"}, namespaced: true, loss: rbacLoss}
	resRoleBindings    = readable{gvr: schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"}, namespaced: true, loss: rbacLoss}
	resClusterRoles    = readable{gvr: schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"}, namespaced: false, loss: rbacLoss}
	resClusterBindings = readable{gvr: schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings"}, namespaced: false, loss: rbacLoss}
	resInferencePools  = readable{gvr: schema.GroupVersionResource{Group: "inference.networking.k8s.io", Version: "v1", Resource: "inferencepools"}, namespaced: true, loss: "InferencePool selectors unavailable"}
	resInferencePoolsA = readable{gvr: schema.GroupVersionResource{Group: "inference.networking.x-k8s.io", Version: "v1alpha2", Resource: "inferencepools"}, namespaced: true, loss: "InferencePool selectors unavailable"}
)

// watchOf is what the live audit reads of a kind the registry says it
// watches.
func watchOf(k *kinds.Kind) readable {
	return readable{gvr: k.GVR(), namespaced: k.Namespaced, required: k.Watch.Required, loss: k.Watch.Loss, kind: k}
}

// controllers are the kinds whose objects the live audit reads for their
// pod templates and owners (ReplicaSets, Deployments, ...), in the
// registry's order.
func controllers() []readable {
	var out []readable
	for _, k := range kinds.All() {
		if k.Watch != nil && k.Typed != nil && k.Typed.PodTemplate != nil {
			out = append(out, watchOf(k))
		}
	}
	return out
}

// rbacLoss is what the audit loses without roles and bindings.
const rbacLoss = "pods that create agent sandboxes recognised by their env only, not by their RBAC"

// Gap is a resource the audit could not read, and what it loses.
type Gap struct {
	Resource string `json:"resource"`
	Scope    string `json:"scope"`
	Loss     string `json:"loss"`
	// reason is "" for a forbidden resource, "unsynced" for one that
	// failed to list.
	reason string
}

func (g Gap) String() string {
	if g.reason == "unsynced" {
		return fmt.Sprintf("%s: %s — %s", g.Resource, g.Scope, g.Loss)
	}
	return fmt.Sprintf("%s: forbidden %s — %s", g.Resource, g.Scope, g.Loss)
}

func scopeOf(r readable, namespace string) string {
	if !r.namespaced {
		return "(cluster-scoped)"
	}
	if namespace == "" {
		return "in all namespaces"
	}
	return "in namespace " + namespace
}

func (r readable) name() string {
	if r.gvr.Group == "" {
		return r.gvr.Resource
	}
	return r.gvr.Resource + "." + r.gvr.Group
}

// allowed asks the server whether the user may list and watch r in
// namespace ("" for all namespaces or a cluster-scoped resource); both
// questions at once.
func allowed(ctx context.Context, kube kubernetes.Interface, r readable, namespace string) (bool, error) {
	ns := namespace
	if !r.namespaced {
		ns = ""
	}
	verbs := []string{"list", "watch"}
	yes := make([]bool, len(verbs))
	errs := make([]error, len(verbs))
	var wg sync.WaitGroup
	for i, verb := range verbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
				ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: ns, Verb: verb, Group: r.gvr.Group, Resource: r.gvr.Resource},
			}}
			res, err := kube.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
			if err != nil {
				errs[i] = err
				return
			}
			yes[i] = res.Status.Allowed
		}()
	}
	wg.Wait()
	for i := range verbs {
		if errs[i] != nil {
			return false, errs[i]
		}
	}
	return yes[0] && yes[1], nil
}

// checkAccess splits resources into those the user may read and the gaps,
// asking about all of them at once. A forbidden required resource is an
// error.
func checkAccess(ctx context.Context, kube kubernetes.Interface, rs []readable, namespace string) (map[schema.GroupVersionResource]bool, []Gap, error) {
	type answer struct {
		yes bool
		err error
	}
	answers := make([]answer, len(rs))
	var wg sync.WaitGroup
	for i, r := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			yes, err := allowed(ctx, kube, r, namespace)
			answers[i] = answer{yes, err}
		}()
	}
	wg.Wait()
	ok := map[schema.GroupVersionResource]bool{}
	var gaps []Gap
	for i, r := range rs {
		if answers[i].err != nil {
			return nil, nil, answers[i].err
		}
		if answers[i].yes {
			ok[r.gvr] = true
			continue
		}
		if r.required {
			return nil, nil, fmt.Errorf("%s: forbidden %s: there is nothing to audit (ask for list and watch on pods, or pick a namespace with -n)", r.name(), scopeOf(r, namespace))
		}
		gaps = append(gaps, Gap{Resource: r.name(), Scope: scopeOf(r, namespace), Loss: r.loss})
	}
	sort.Slice(gaps, func(i, j int) bool { return gaps[i].Resource < gaps[j].Resource })
	return ok, gaps, nil
}
