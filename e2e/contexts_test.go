//go:build integration

package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/tiergate/tiergate/internal/testcluster"
)

// contextsKubeconfig has three contexts: the lab (its namespace rag),
// "viewer", a user of the same cluster who may read the pods of agents
// only (its namespace agents), and "gone", a cluster that refuses
// connections.
func contextsKubeconfig(t *testing.T) (path, lab string) {
	t.Helper()
	u, err := cl.NewUser(context.Background(), "ctx-viewer", testcluster.UserOptions{Namespace: "agents", Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := clientcmd.LoadFromFile(cl.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	viewer, err := clientcmd.LoadFromFile(u.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	// The lab's context under a short name: CLUSTER shows it whole.
	lab = "lab"
	raw.Contexts[lab] = raw.Contexts[raw.CurrentContext].DeepCopy()
	raw.Contexts[lab].Namespace = "rag"
	delete(raw.Contexts, raw.CurrentContext)
	raw.CurrentContext = lab
	vc := viewer.Contexts[viewer.CurrentContext]
	raw.Clusters["viewer"], raw.AuthInfos["viewer"] = viewer.Clusters[vc.Cluster], viewer.AuthInfos[vc.AuthInfo]
	raw.Contexts["viewer"] = &clientcmdapi.Context{Cluster: "viewer", AuthInfo: "viewer", Namespace: "agents"}
	raw.Clusters["gone"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:1", InsecureSkipTLSVerify: true}
	raw.Contexts["gone"] = &clientcmdapi.Context{Cluster: "gone", AuthInfo: raw.Contexts[lab].AuthInfo}
	path = filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*raw, path); err != nil {
		t.Fatal(err)
	}
	return path, lab
}

// rowOf says a table line shows a row of cluster whose name starts with
// prefix.
func rowOf(screen, cluster, prefix string) bool {
	for _, line := range strings.Split(screen, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == cluster && strings.HasPrefix(f[1], prefix) {
			return true
		}
	}
	return false
}

// TestTUIContexts: the view on the lab; :ctx all opens every context,
// the rows of both reachable ones merged under a CLUSTER column and the
// dead one named unreachable (its reason under i); :ctx viewer switches
// to one cluster again, without CLUSTER; an unknown name is said and the
// data stays. --contexts opens the fleet from the start.
func TestTUIContexts(t *testing.T) {
	bin := buildBinary(t)
	seedExample(t)
	kc, lab := contextsKubeconfig(t)
	env := []string{"KUBECONFIG=" + kc, "TERM=xterm-256color"}
	const wait = 30 * time.Second
	s := startTmux(t, 160, 45, env, bin)
	s.waitFor("the lab", wait, []string{"ctx " + lab, "namespace rag", "synced", "rag/docs-retriever-"}, "CLUSTER")

	s.keys(":")
	s.typeText("ctx all")
	s.keys("Enter")
	s.waitFor("the fleet", wait, []string{"ctx all (3)", "each context's namespace", "2 synced · 1 unreachable (i)", "CLUSTER"})
	scr := s.screen()
	if !rowOf(scr, lab, "rag/") || !rowOf(scr, "viewer", "age") {
		t.Fatalf("the fleet lacks the lab's rag rows or the viewer's agents rows:\n%s", scr)
	}
	s.keys("i")
	s.waitFor("the unreachable cluster's reason", wait, []string{"gone: unreachable:", "127.0.0.1:1", "viewer: synced"})
	s.keys("i") // closes it (an Escape then ":" reads as alt+:)
	s.waitFor("the table again", wait, []string{"CLUSTER"}, "gone: unreachable:")

	s.keys(":")
	s.typeText("ctx viewer")
	s.keys("Enter")
	s.waitFor("the viewer's context", wait, []string{"ctx viewer", "namespace agents", "synced", "agents/support-agent-"}, "CLUSTER", "rag/docs-retriever-")
	s.keys(":")
	s.typeText("ctx nope")
	s.keys("Enter")
	s.waitFor("the unknown context said", wait, []string{"unknown context nope (the kubeconfig has gone, lab, viewer)", "ctx viewer", "agents/support-agent-"})
	// Back on the lab, :ns opens another namespace of the lab's cluster.
	s.keys(":")
	s.typeText("ctx lab")
	s.keys("Enter")
	s.waitFor("the lab again", wait, []string{"ctx lab", "namespace rag", "synced", "rag/docs-retriever-"}, "agents/support-agent-")
	s.keys(":")
	s.typeText("ns code-sandbox")
	s.keys("Enter")
	s.waitFor("the lab's code-sandbox", wait, []string{"ctx lab", "namespace code-sandbox", "synced", "code-sandbox/openhands-"}, "rag/docs-retriever-")
	s.keys("q")
	if code := s.exitStatus(10 * time.Second); code != 0 {
		t.Fatalf("exit status %d: %s", code, s.stderrText())
	}

	f := startTmux(t, 120, 40, env, bin, "--contexts", "viewer,gone")
	f.waitFor("the fleet from the flags", wait, []string{"ctx all (2)", "1 synced · 1 unreachable (i)", "CLUSTER", "namespace agents"})
	if scr := f.screen(); !rowOf(scr, "viewer", "age") || rowOf(scr, lab, "") {
		t.Errorf("--contexts viewer,gone:\n%s", scr)
	}
	f.keys("q")
	if code := f.exitStatus(10 * time.Second); code != 0 {
		t.Fatalf("exit status %d: %s", code, f.stderrText())
	}
}
