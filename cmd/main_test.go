//go:build !integration

package cmd

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	cleanup := isolateKubeconfig()
	code := m.Run()
	cleanup()
	os.Exit(code)
}
