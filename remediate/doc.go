// Package remediate will compute, for each fixable finding, the change
// that fixes it (a RuntimeClass, securityContext hardening, a
// NetworkPolicy) as patches built on DeepCopies of the audited objects.
// Like audit, it does no I/O.
package remediate
