package cluster

import (
	"cmp"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"

	"github.com/tiergate/tiergate/audit"
)

// sortInventory puts what the informers' caches list in no particular
// order (a map's) into name order, so that the same cluster gives the
// same report byte for byte: evidence and findings name policies, nodes
// and classes in the order the audit meets them. The engine orders the
// workloads itself.
func sortInventory(inv *audit.Inventory) {
	slices.SortFunc(inv.Nodes, func(a, b corev1.Node) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(inv.RuntimeClasses, func(a, b nodev1.RuntimeClass) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(inv.NetworkPolicies, func(a, b networkingv1.NetworkPolicy) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	slices.SortFunc(inv.ServiceAccounts, func(a, b corev1.ServiceAccount) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	slices.SortFunc(inv.InferencePools, func(a, b audit.InferencePool) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
}
