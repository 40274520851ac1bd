//go:build !integration

package cmd

import (
	"os"
	"testing"
)

// TestMain runs the unit tests away from the user's kubeconfig (the
// integration tests' TestMain does the same around the control plane).
func TestMain(m *testing.M) { os.Exit(withOwnKubeconfig(m.Run)) }
