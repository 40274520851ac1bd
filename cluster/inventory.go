package cluster

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/crd"
	"github.com/tiergate/tiergate/internal/textutil"
)

// listing is one resource's objects as its transform left them: an
// informer's cache (Source) or one one-shot LIST (Lister).
type listing struct {
	r    readable
	objs []any
}

// items are the objects, none for a resource not read.
func (l *listing) items() []any {
	if l == nil {
		return nil
	}
	return l.objs
}

// lists are what one inventory is built from; a nil listing is a
// resource the user may not read (or that did not list).
type lists struct {
	pods, nodes, runtimeClasses, netpols, sas, kserve, nss *listing
	owners, pools, rbac, dra, customs                      []*listing
	gaps                                                   []Gap
}

// buildInventory turns what was read into the audit's inventory, the
// same way whichever way it was read: the live view's snapshots and the
// one-shot audit's lists give the same report for the same cluster.
func buildInventory(l *lists, selector labels.Selector) *audit.Inventory {
	b := newInventoryBuilder(l, selector)
	podObjs := l.pods.items()
	// Room for every pod at once: grown by doubling, 10,000 workloads
	// would leave twice their size as garbage.
	ws := slices.Grow(b.others, len(podObjs))
	for _, o := range podObjs {
		ws = append(ws, b.podWorkload(o.(*cachedPod)))
	}
	b.inv.Workloads = b.scope(ws)
	return b.inv
}

// inventoryBuilder is an inventory built from everything but the pods,
// with what turns pods into workloads: buildInventory adds them all at
// once, Lister.Stream a namespace at a time.
type inventoryBuilder struct {
	inv      *audit.Inventory
	selector labels.Selector
	// others are the controllers and custom resources, as workloads,
	// before SelectWorkloads.
	others  []audit.Workload
	ownerIx audit.OwnerIndex
	models  map[string]audit.Extra
}

func newInventoryBuilder(l *lists, selector labels.Selector) *inventoryBuilder {
	inv := &audit.Inventory{RuntimeClassesComplete: l.runtimeClasses != nil, NetworkPoliciesHidden: l.netpols == nil, ServiceAccountsHidden: l.sas == nil, NamespacesHidden: l.nss == nil}
	for _, g := range l.gaps {
		inv.Gaps = append(inv.Gaps, g.String())
	}
	for _, o := range l.nodes.items() {
		inv.Nodes = append(inv.Nodes, *o.(*corev1.Node))
	}
	for _, o := range l.runtimeClasses.items() {
		inv.RuntimeClasses = append(inv.RuntimeClasses, *o.(*nodev1.RuntimeClass))
	}
	for _, o := range l.netpols.items() {
		inv.NetworkPolicies = append(inv.NetworkPolicies, *o.(*networkingv1.NetworkPolicy))
	}
	for _, o := range l.sas.items() {
		inv.ServiceAccounts = append(inv.ServiceAccounts, *o.(*corev1.ServiceAccount))
	}
	inv.RBAC = rbacOf(l.rbac)
	inv.DRA = draOf(l.dra)
	for _, o := range l.nss.items() {
		ns := o.(*corev1.Namespace)
		inv.Namespaces = append(inv.Namespaces, audit.Namespace{Name: ns.Name, Labels: ns.Labels})
	}
	// A cluster that serves both pool versions from one CRD lists each
	// pool twice: keep the first (v1 is listed first).
	seenPool := map[string]bool{}
	for _, pl := range l.pools {
		for _, o := range pl.items() {
			p := crd.InferencePool(o.(*unstructured.Unstructured))
			if key := p.Namespace + "/" + p.Name; !seenPool[key] {
				seenPool[key] = true
				inv.InferencePools = append(inv.InferencePools, p)
			}
		}
	}
	ownerIx := audit.OwnerIndex{}
	var ws []audit.Workload
	for _, ol := range l.owners {
		for _, o := range ol.items() {
			addOwner(ownerIx, o.(metav1.Object), ol.r.kind.APIVersion(), ol.r.kind.Kind)
			if cw, ok := controllerWorkload(ol.r.kind, o); ok {
				ws = append(ws, cw)
			}
		}
	}
	// Custom resources, as the offline audit reads them: their own
	// templates even with no pods; their owners for the pods' chains.
	var custom []*unstructured.Unstructured
	for _, cl := range l.customs {
		for _, o := range cl.items() {
			custom = append(custom, o.(*unstructured.Unstructured))
		}
	}
	cws, err := customWorkloads(custom, ownerIx)
	if err != nil {
		// Custom resources the loader cannot read (a template that is
		// not a pod spec): each said, and the rest audited.
		for _, line := range strings.Split(err.Error(), "\n") {
			inv.Gaps = append(inv.Gaps, "custom resource "+textutil.OneLine(line))
		}
	}
	ws = append(ws, cws...)
	inv.WarmPools = audit.WarmPoolsOf(cws) // before their pods stand for them
	sortInventory(inv)
	return &inventoryBuilder{inv: inv, selector: selector, others: ws, ownerIx: ownerIx, models: kserveFacts(l.kserve.items())}
}

// podWorkload is a listed pod as a workload, its owner chain complete.
func (b *inventoryBuilder) podWorkload(p *cachedPod) audit.Workload {
	return podWorkload(p, b.ownerIx, b.models)
}

// scope keeps the pods, and the controllers no pod runs from (scaled to
// zero, failing admission, CronJobs between runs), as the offline audit
// of a dump; then those the label selector matches, in the same order
// as offline, counting the others in inv.FilteredOut; then links pods to
// the custom resources they run from. Every step looks only within a
// namespace, so scoping a namespace's workloads on their own gives what
// scoping them with the whole cluster's does. It reuses ws.
func (b *inventoryBuilder) scope(ws []audit.Workload) []audit.Workload {
	ws, _ = audit.SelectWorkloads(ws)
	kept := ws[:0]
	for i := range ws {
		if audit.Selected(&ws[i], "", b.selector) {
			kept = append(kept, ws[i])
		} else {
			b.inv.FilteredOut++
		}
	}
	audit.LinkRunsFrom(kept) // among those in scope
	return kept
}

// rbacOf collects the roles and bindings read, nil when none could be.
func rbacOf(ls []*listing) *audit.RBAC {
	if len(ls) == 0 {
		return nil
	}
	rb := &audit.RBAC{}
	for _, l := range ls {
		for _, o := range l.items() {
			switch o := o.(type) {
			case *rbacv1.Role:
				rb.Roles = append(rb.Roles, *o)
			case *rbacv1.RoleBinding:
				rb.RoleBindings = append(rb.RoleBindings, *o)
			case *rbacv1.ClusterRole:
				rb.ClusterRoles = append(rb.ClusterRoles, *o)
			case *rbacv1.ClusterRoleBinding:
				rb.ClusterRoleBindings = append(rb.ClusterRoleBindings, *o)
			}
		}
	}
	return rb
}
