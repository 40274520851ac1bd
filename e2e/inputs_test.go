//go:build integration

package e2e

import (
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
)

// TestTUIContextNamespace: without -n the view opens the kubeconfig
// context's namespace, read at the first contact, and its header says so.
func TestTUIContextNamespace(t *testing.T) {
	bin := buildBinary(t)
	seedExample(t)
	cfg, err := clientcmd.LoadFromFile(cl.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Contexts[cfg.CurrentContext].Namespace = "rag"
	kc := filepath.Join(t.TempDir(), "config")
	if err := clientcmd.WriteToFile(*cfg, kc); err != nil {
		t.Fatal(err)
	}
	s := startTmux(t, 120, 40, []string{"KUBECONFIG=" + kc, "TERM=xterm-256color"}, bin)
	s.waitFor("the context's namespace", 30*time.Second, []string{"namespace rag", "synced", "rag/docs-retriever-"}, "agents/", "all namespaces")
	s.keys("q")
	if code := s.exitStatus(10 * time.Second); code != 0 {
		t.Fatalf("exit status %d", code)
	}
}
