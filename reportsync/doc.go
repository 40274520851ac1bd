// Package reportsync keeps the Open Reports (or wgpolicyk8s.io
// PolicyReports) tiergate serve writes in step with its latest audit.
//
// The pure part (desired.go, plan.go) turns an audit into the objects
// that should exist and compares them with those that do; the I/O part
// (writer.go) lists tiergate's own reports by label, applies what changed
// with server-side apply (field manager "tiergate") and deletes what is
// no longer wanted. Only objects carrying both the managed-by label and
// the report set's label are ever deleted.
package reportsync
