package cmd

import (
	"fmt"
	"os"
	"path/filepath"
)

// withOwnKubeconfig runs the tests with KUBECONFIG set to an empty file of
// their own and no in-cluster service account: the user's ~/.kube/config
// (a lab's context, a production cluster) must never decide a test, and
// a test must never reach a cluster it was not given.
func withOwnKubeconfig(run func() int) int {
	dir, err := os.MkdirTemp("", "tiergate-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	os.Setenv("KUBECONFIG", path)
	os.Unsetenv("KUBERNETES_SERVICE_HOST")
	os.Unsetenv("KUBERNETES_SERVICE_PORT")
	return run()
}
