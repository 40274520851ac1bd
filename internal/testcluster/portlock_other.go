//go:build !unix

package testcluster

import "context"

// lockPorts is a no-op where flock is missing: clusters started at once
// may then pick the same ports (see portlock_unix.go).
func lockPorts(context.Context) (func(), error) { return func() {}, nil }
