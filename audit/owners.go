package audit

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
