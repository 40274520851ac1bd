//go:build integration

package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
)

// kubeconfigInNamespace is the test cluster's kubeconfig with its
// context's namespace set, written to a file of its own.
func kubeconfigInNamespace(t *testing.T, namespace string) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(cl.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Contexts[cfg.CurrentContext].Namespace = namespace
	path := filepath.Join(t.TempDir(), "config")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestContextNamespaceIsTheScope: live, without -n or -A, the scope is
// the context's namespace, read at the first contact (after every flag
// was checked), from --kubeconfig or from a KUBECONFIG list whose
// missing entries are skipped; a context namespace that does not exist
// is the same error as a -n that does not.
func TestContextNamespaceIsTheScope(t *testing.T) {
	seedExample(t)
	rag := kubeconfigInNamespace(t, "rag")
	missing := filepath.Join(t.TempDir(), "nonexistent")
	for _, tt := range []struct {
		name, env string
		args      []string
	}{
		{"--kubeconfig", "", []string{"--kubeconfig", rag}},
		{"a KUBECONFIG list with a missing entry", missing + string(os.PathListSeparator) + rag, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != "" {
				t.Setenv("KUBECONFIG", tt.env)
			}
			out, errOut, code := run(t, "", append([]string{"audit", "-o", "json"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var doc struct {
				Workloads []struct{ Namespace, Name string }
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Workloads) == 0 {
				t.Fatal("the context's namespace rag audited nothing")
			}
			for _, w := range doc.Workloads {
				if w.Namespace != "rag" {
					t.Errorf("%s/%s is outside the context's namespace rag", w.Namespace, w.Name)
				}
			}
		})
	}
	_, errOut, code := run(t, "", "audit", "--kubeconfig", kubeconfigInNamespace(t, "ragg"))
	if code != ExitUsage || !strings.Contains(errOut, `namespace "ragg" not found; did you mean rag?`) {
		t.Errorf("a context namespace that does not exist: exit %d, %q", code, errOut)
	}
	// A bad flag is reported as itself before the cluster is asked anything.
	_, errOut, code = run(t, "", "audit", "--kubeconfig", rag, "-o", "xml")
	if code != ExitUsage || !strings.Contains(errOut, `--output "xml" is not one of`) {
		t.Errorf("exit %d, %q", code, errOut)
	}
}
