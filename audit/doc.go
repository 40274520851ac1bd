// Package audit decides, for every pod-bearing object, what kind of LLM
// workload it is, what isolation it really runs under, what the tier table
// requires of it and which checks it fails, and explains each decision.
//
// It is pure: it takes objects (an Inventory) and a policy and returns a
// Report. It never reads files, the network or the clock; callers pass the
// time in Options.
package audit
