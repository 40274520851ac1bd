package manifest

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/crd"
)

// BuildOptions choose and default what goes into the inventory.
type BuildOptions struct {
	// DefaultNamespace is given to namespaced objects without one
	// (kubectl's rule: the namespace in use, "default" when unset).
	DefaultNamespace string
	// Namespace, when set, keeps only workloads in that namespace.
	Namespace string
	// Selector, when set, keeps workloads whose labels or pod template
	// labels match.
	Selector labels.Selector
}

// Stats says what a load saw, for the user's summary line.
type Stats struct {
	Objects   int
	Workloads int
	// Selected is how many workloads passed the namespace and selector.
	Selected int
	// Covered counts controllers left out because their pods (or their
	// own controller) are in the input: as live, pods are audited and
	// controllers name them.
	Covered int
}

// clusterScoped lists the kinds tiergate reads that have no namespace.
var clusterScoped = map[string]bool{"Node": true, "RuntimeClass": true, "Namespace": true, "ClusterRole": true, "ClusterRoleBinding": true, "DeviceClass": true, "ResourceSlice": true}

// Build turns objects into an inventory for the audit engine.
func Build(objs []Object, opts BuildOptions) (*audit.Inventory, Stats, error) {
	inv := &audit.Inventory{Offline: true}
	st := Stats{Objects: len(objs)}
	defNS := opts.DefaultNamespace
	if defNS == "" {
		defNS = "default"
	}
	refs := map[*audit.Workload]crdFacts{}
	var all []*audit.Workload
	for i := range objs {
		o := &objs[i]
		if o.GetNamespace() == "" && !clusterScoped[o.GetKind()] {
			o.SetNamespace(defNS)
		}
		if err := addObject(inv, o); err != nil {
			return nil, st, err
		}
		w, cf, err := toWorkload(o)
		if err != nil {
			return nil, st, err
		}
		if w == nil {
			continue
		}
		all = append(all, w)
		if cf.ref != nil {
			refs[w] = cf
		}
	}
	resolveTemplateRefs(all, refs)
	resolveOwners(objs, all)
	st.Workloads = len(all)
	inv.RuntimeClassesComplete = len(inv.RuntimeClasses) > 0
	ws := make([]audit.Workload, len(all))
	for i, w := range all {
		ws[i] = *w
	}
	inv.WarmPools = audit.WarmPoolsOf(ws) // before their pods stand for them
	ws, st.Covered = audit.SelectWorkloads(ws)
	for i := range ws {
		if audit.Selected(&ws[i], opts.Namespace, opts.Selector) {
			inv.Workloads = append(inv.Workloads, ws[i])
		} else {
			inv.FilteredOut++
		}
	}
	audit.LinkRunsFrom(inv.Workloads) // among those in scope
	st.Selected = len(inv.Workloads)
	return inv, st, nil
}

// addObject files the non-workload objects the audit reads.
func addObject(inv *audit.Inventory, o *Object) error {
	kind, group := o.GetKind(), o.GroupVersionKind().Group
	var err error
	switch {
	case kind == "RuntimeClass" && group == "node.k8s.io":
		var rc nodev1.RuntimeClass
		if err = convert(o, &rc); err == nil {
			inv.RuntimeClasses = append(inv.RuntimeClasses, rc)
		}
	case kind == "Node" && group == "":
		var n corev1.Node
		if err = convert(o, &n); err == nil {
			inv.Nodes = append(inv.Nodes, n)
		}
	case kind == "NetworkPolicy" && group == "networking.k8s.io":
		var np networkingv1.NetworkPolicy
		if err = convert(o, &np); err == nil {
			inv.NetworkPolicies = append(inv.NetworkPolicies, np)
		}
	case kind == "ServiceAccount" && group == "":
		var sa corev1.ServiceAccount
		if err = convert(o, &sa); err == nil {
			inv.ServiceAccounts = append(inv.ServiceAccounts, sa)
		}
	case kind == "Service" && group == "":
		var svc corev1.Service
		if err = convert(o, &svc); err == nil {
			inv.Services = append(inv.Services, svc)
		}
	case group == "rbac.authorization.k8s.io" && (kind == "Role" || kind == "ClusterRole" || kind == "RoleBinding" || kind == "ClusterRoleBinding"):
		err = addRBAC(inv, o, kind)
	case kind == "Namespace" && group == "":
		// Only the labels matter: Pod Security's enforce|audit|warn.
		inv.Namespaces = append(inv.Namespaces, audit.Namespace{Name: o.GetName(), Labels: o.GetLabels()})
	case group == draGroup:
		err = addDRA(inv, o, kind)
	case kind == "InferencePool" && strings.HasPrefix(group, "inference.networking."):
		inv.InferencePools = append(inv.InferencePools, crd.InferencePool(o.Unstructured))
	}
	if err != nil {
		return fmt.Errorf("%s:%d: %s %s: %v", o.File, o.Line, kind, o.GetName(), err)
	}
	return nil
}

// addRBAC files a role or binding: pods whose ServiceAccount may create
// agent sandboxes are orchestrators.
func addRBAC(inv *audit.Inventory, o *Object, kind string) error {
	if inv.RBAC == nil {
		inv.RBAC = &audit.RBAC{}
	}
	rb := inv.RBAC
	switch kind {
	case "Role":
		var r rbacv1.Role
		if err := convert(o, &r); err != nil {
			return err
		}
		rb.Roles = append(rb.Roles, r)
	case "ClusterRole":
		var r rbacv1.ClusterRole
		if err := convert(o, &r); err != nil {
			return err
		}
		rb.ClusterRoles = append(rb.ClusterRoles, r)
	case "RoleBinding":
		var b rbacv1.RoleBinding
		if err := convert(o, &b); err != nil {
			return err
		}
		rb.RoleBindings = append(rb.RoleBindings, b)
	case "ClusterRoleBinding":
		var b rbacv1.ClusterRoleBinding
		if err := convert(o, &b); err != nil {
			return err
		}
		rb.ClusterRoleBindings = append(rb.ClusterRoleBindings, b)
	}
	return nil
}

func convert(o *Object, into any) error {
	return runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, into)
}

// resolveOwners gives pods their owner chains from the controllers in the
// input (ReplicaSet → Deployment, Job → CronJob, StatefulSet →
// LeaderWorkerSet).
func resolveOwners(objs []Object, all []*audit.Workload) {
	ix := audit.OwnerIndex{}
	for i := range objs {
		o := &objs[i]
		for _, ref := range o.GetOwnerReferences() {
			if ref.Controller != nil && *ref.Controller {
				ix[audit.KeyOf(o.GetAPIVersion(), o.GetKind(), o.GetNamespace(), o.GetName())] = audit.Owner{APIVersion: ref.APIVersion, Kind: ref.Kind, Name: ref.Name}
			}
		}
	}
	for _, w := range all {
		if w.Kind == "Pod" && w.Owner != nil {
			w.Owners = audit.WithDeployment(ix.Chain(w.Namespace, w.Owner), w.Labels)
		}
	}
}
