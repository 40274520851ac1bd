package cmd

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// deadContext is a kubeconfig whose only context points at a port
// nothing listens on, in namespace "lab": if it were read, a live run
// would fail to reach it instead of saying there is no cluster.
func deadContext(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return `apiVersion: v1
kind: Config
clusters: [{name: lab, cluster: {server: "https://` + addr + `"}}]
users: [{name: lab, user: {token: not-a-secret}}]
contexts: [{name: lab, context: {cluster: lab, user: lab, namespace: lab}}]
current-context: lab
`
}

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestUsersKubeconfigNeverReachesTheTests runs the flag and exit-code
// tests again in a child whose HOME holds a kubeconfig with a live-looking
// context, with KUBECONFIG unset and an in-cluster service set: TestMain
// must keep both out (before it, a lab's context in ~/.kube/config failed
// these tests on a clean clone).
func TestUsersKubeconfigNeverReachesTheTests(t *testing.T) {
	if os.Getenv("TIERGATE_TEST_CHILD") != "" {
		t.Skip("the child runs the other tests only")
	}
	home := t.TempDir()
	writeFile(t, home, ".kube/config", deadContext(t))
	child := exec.Command(os.Args[0], "-test.count=1", "-test.run", "^(TestExitCodesAndErrors|TestProbeFlagErrors|TestFlagErrorsBeforeTheKubeconfig|TestMissingKubeconfigIsNamed)$")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KUBECONFIG=") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "KUBERNETES_SERVICE_") {
			child.Env = append(child.Env, kv)
		}
	}
	child.Env = append(child.Env, "HOME="+home, "KUBERNETES_SERVICE_HOST=127.0.0.1", "KUBERNETES_SERVICE_PORT=1", "TIERGATE_TEST_CHILD=1")
	out, err := child.CombinedOutput()
	if err != nil {
		t.Fatalf("the tests fail when HOME holds a kubeconfig: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "PASS") {
		t.Fatalf("the child ran nothing:\n%s", out)
	}
}
