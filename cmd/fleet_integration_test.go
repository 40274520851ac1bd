//go:build integration

package cmd

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// TestFleetAudit: two contexts, one a real cluster and one that is gone:
// the report lists both, the real one complete, each workload with its
// cluster, the gone one with why; exit 2 only with --fail-on-unreachable.
func TestFleetAudit(t *testing.T) {
	seedExample(t)
	raw, err := clientcmd.LoadFromFile(cl.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	lab := raw.CurrentContext
	user := raw.Contexts[lab].AuthInfo
	raw.Clusters["gone"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:1", InsecureSkipTLSVerify: true}
	raw.Contexts["gone"] = &clientcmdapi.Context{Cluster: "gone", AuthInfo: user}
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*raw, kc); err != nil {
		t.Fatal(err)
	}
	single, _, code := run(t, "", "audit", "--kubeconfig", kc, "--context", lab, "-A", "-o", "json")
	if code == ExitUsage {
		t.Fatalf("one cluster: exit %d", code)
	}
	var one struct {
		Workloads []struct{ Name string }
		Summary   struct{ Workloads int }
	}
	if err := json.Unmarshal([]byte(single), &one); err != nil {
		t.Fatal(err)
	}

	out, errOut, code := run(t, "", "audit", "--kubeconfig", kc, "--contexts", lab+",gone", "-A", "-o", "json", "--request-timeout", "5s")
	if code != 0 || !strings.Contains(errOut, "tiergate: cluster gone: not audited:") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep struct {
		Workloads []struct{ Cluster, Name string }
		Clusters  []struct {
			Context, Error string
			Summary        *struct{ Workloads int }
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Clusters) != 2 || rep.Clusters[0].Context != lab || rep.Clusters[0].Error != "" || rep.Clusters[1].Context != "gone" || rep.Clusters[1].Error == "" {
		t.Fatalf("clusters %+v", rep.Clusters)
	}
	if len(rep.Workloads) != len(one.Workloads) || rep.Clusters[0].Summary == nil || rep.Clusters[0].Summary.Workloads != one.Summary.Workloads {
		t.Errorf("the lab's %d workloads alone, %d in the fleet report", len(one.Workloads), len(rep.Workloads))
	}
	for _, w := range rep.Workloads {
		if w.Cluster != lab {
			t.Errorf("%s: cluster %q", w.Name, w.Cluster)
		}
	}

	out, _, _ = run(t, "", "audit", "--kubeconfig", kc, "--contexts", lab+",gone", "-A", "--request-timeout", "5s")
	if !strings.Contains(out, "CLUSTER "+lab+": ") || !strings.Contains(out, "CLUSTER gone: not audited:") {
		t.Errorf("table:\n%s", out)
	}
	_, errOut, code = run(t, "", "audit", "--kubeconfig", kc, "--contexts", lab, "-A", "-l", "app=no-such-label")
	if code != ExitEmpty || !strings.Contains(errOut, "no cluster holds a pod-bearing workload in the scope (-l app=no-such-label)") {
		t.Errorf("an empty fleet scope: exit %d: %s", code, errOut)
	}
	_, errOut, code = run(t, "", "audit", "--kubeconfig", kc, "--contexts", lab+",gone", "-A", "--fail-on-unreachable", "--request-timeout", "5s")
	if code != ExitUsage || !strings.Contains(errOut, "1 of 2 clusters not audited: gone (--fail-on-unreachable)") {
		t.Errorf("--fail-on-unreachable: exit %d: %s", code, errOut)
	}
}
