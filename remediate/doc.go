// Package remediate computes, for each fixable finding, the change that
// fixes it: a runtimeClassName that meets the tier (or a RuntimeClass to
// create), securityContext hardening, no service account token, an egress
// NetworkPolicy. Every change is made on a DeepCopy of the audited pod
// spec, returned as a patch of the object's owner (strategic merge for
// built-in kinds, JSON patch for the custom resources whose pod templates
// it knows) or as a new object, and checked by auditing the changed
// workload again (the scheduling pre-check included). Like audit, it does no I/O; applier
// writes the result to a cluster when the user asks.
package remediate
