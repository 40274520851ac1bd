package cmd

import (
	"fmt"
	"os"
	"path/filepath"
)

// isolateKubeconfig points KUBECONFIG at an empty file of the tests' own
// and drops the in-cluster variables, so that no test reads the user's
// ~/.kube/config (a context a lab left behind would change what the tests
// see). It returns a function that removes the file.
func isolateKubeconfig() func() {
	dir, err := os.MkdirTemp("", "tiergate-cmd-test-")
	if err != nil {
		panic(err)
	}
	empty := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		panic(err)
	}
	for k, v := range map[string]string{"KUBECONFIG": empty, "KUBERNETES_SERVICE_HOST": "", "KUBERNETES_SERVICE_PORT": ""} {
		if err := os.Setenv(k, v); err != nil {
			panic(fmt.Sprint(k, err))
		}
	}
	return func() { _ = os.RemoveAll(dir) }
}
