package cluster

import (
	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"

	"github.com/tiergate/tiergate/audit"
)

// PodInventory is the inventory of one live pod, as a source's snapshot
// would hold it (stripped the same way), with its node and the
// RuntimeClasses given: enough for its isolation and a probe's verdict
// without listing its namespace. complete says the RuntimeClasses were
// looked up, so a class missing from them does not exist. The pod and
// node are copied, not changed.
func PodInventory(pod *corev1.Pod, node *corev1.Node, rcs []nodev1.RuntimeClass, complete bool) *audit.Inventory {
	stripped, _ := strip(pod.DeepCopy()) // a *corev1.Pod always strips
	inv := &audit.Inventory{
		Workloads:              []audit.Workload{podWorkload(stripped.(*cachedPod), audit.OwnerIndex{}, nil)},
		RuntimeClasses:         rcs,
		RuntimeClassesComplete: complete,
	}
	if node != nil {
		inv.Nodes = []corev1.Node{*node.DeepCopy()}
	}
	return inv
}
