// Package baseline compares an audit with a previous one (a report
// written with -o json): each finding is new or unchanged, and the
// baseline's findings the audit no longer has are resolved. Findings are
// matched by what stays the same across rollouts — cluster (a fleet
// audit's context), namespace, the owner
// at the top of the pod's chain (its Deployment, the custom resource it
// runs from, the pod itself when bare), container and rule — never by
// pod names, which change with every rollout. It does no I/O beyond
// decoding the reader it is given.
package baseline
