// Package kinds is tiergate's registry of the kinds it knows. Each kind is
// declared once, as one entry: its group, version and resource, where its
// pod templates sit, how a fix patches it, what its controller creates
// and whether it undoes changes to them, what it stamps on its pods, the
// RBAC tiergate needs on it, how the view names it, and whether the live
// audit watches it (and what is lost when it cannot). manifest, cluster,
// audit, remediate and applier ask the registry instead of naming kinds.
//
// Adding a kind is one entry (builtin.go for Kubernetes' own kinds,
// custom.go for custom resources) plus a fixture, testdata/<Kind>.yaml:
// the registry's tests load, audit and fix every fixture and check the
// results against the entry. A custom kind is declared as its project's
// released CRD (internal/crds) defines it, and a test checks the entry
// against that CRD: group, kind, plural, scope, versions, short name and
// that each template path leads to a pod spec in its schema.
//
// Kinds are keyed by group and kind: two projects name kinds alike
// (agent-sandbox's and OpenKruise's Sandbox, SandboxTemplate,
// SandboxClaim). Whatever resolves the kind of an object or of an owner
// reference asks ForAPIVersion with the apiVersion it carries; Lookup by
// name alone finds only a name one group declares (the built-ins callers
// name). A kind whose name another group shares has its fixture at
// testdata/<Kind>.<group>.yaml (Kind.Fixture).
//
// It is pure: data and Kubernetes types, no I/O.
package kinds
