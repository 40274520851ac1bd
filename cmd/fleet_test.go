package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

// deadKubeconfig has two contexts whose servers refuse connections.
func deadKubeconfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := `apiVersion: v1
kind: Config
clusters:
- {name: a, cluster: {server: "https://127.0.0.1:1"}}
- {name: b, cluster: {server: "https://127.0.0.1:2"}}
users:
- {name: u, user: {token: not-a-real-token}}
contexts:
- {name: east, context: {cluster: a, user: u, namespace: llm}}
- {name: west, context: {cluster: b, user: u}}
current-context: east
`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestFleetFlags: the fleet flags are checked before any cluster is read.
func TestFleetFlags(t *testing.T) {
	kc := deadKubeconfig(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--contexts", "east", "--all-contexts"}, "--contexts and --all-contexts: use one"},
		{[]string{"--contexts", "east", "-f", "../examples/llm-platform.yaml"}, "-f audits files: use one"},
		{[]string{"--contexts", "east", "--context", "west"}, "--context names one cluster or user"},
		{[]string{"--all-contexts", "--server", "https://127.0.0.1:9", "--user", "nobody"}, "--server, --user name one cluster or user"},
		{[]string{"--contexts", ""}, "--contexts needs context names (got an empty value)"},
		{[]string{"--all-contexts", "-o", "openreports"}, "-o openreports writes reports to apply to one cluster"},
		{[]string{"--all-contexts", "--probe"}, "--probe and --metrics read one cluster"},
		{[]string{"--fail-on-unreachable"}, "--fail-on-unreachable needs --contexts or --all-contexts"},
		{[]string{"--contexts", "east,north"}, "--contexts: north not in the kubeconfig (it has east, west)"},
	} {
		_, errOut, code := run(t, "", append([]string{"audit", "--kubeconfig", kc}, tc.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want %q", tc.args, code, errOut, tc.want)
		}
	}
}

// TestFleetOfUnreachableClusters: each cluster that cannot be read is a
// line on stderr and in the report; none read at all is exit 2.
func TestFleetOfUnreachableClusters(t *testing.T) {
	kc := deadKubeconfig(t)
	out, errOut, code := run(t, "", "audit", "--kubeconfig", kc, "--contexts", "west,east,west", "--request-timeout", "3s")
	if code != ExitUsage || !strings.Contains(errOut, "tiergate: cluster east: not audited:") || !strings.Contains(errOut, "tiergate: cluster west: not audited:") ||
		!strings.Contains(errOut, "no cluster could be audited: west, east") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "CLUSTER west: not audited:") || strings.Count(out, "CLUSTER west") != 1 || strings.Index(out, "CLUSTER west") > strings.Index(out, "CLUSTER east") {
		t.Errorf("the table does not say once each, in the order given, which clusters were not audited:\n%s", out)
	}
}

// TestDiffOfAFleetWithAClusterNotAudited: a fleet report in which a
// cluster could not be read does not resolve that cluster's findings of
// the older report, and says so; the gone findings of the clusters it
// read are resolved. Against a baseline that could not read a cluster,
// that cluster's findings are new, and that is said.
func TestDiffOfAFleetWithAClusterNotAudited(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, rep audit.Report) string {
		t.Helper()
		data, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	pod := func(cluster, name string) audit.Result {
		return audit.Result{Cluster: cluster, Kind: "Pod", Namespace: "llm", Name: name, Findings: []audit.Finding{{Rule: "TG-NET-001", Severity: policy.High}}}
	}
	old := write("old.json", audit.Report{Workloads: []audit.Result{pod("east", "a"), pod("west", "a"), pod("west", "gone")},
		Clusters: []audit.ClusterReport{{Context: "east"}, {Context: "west"}}})
	now := write("new.json", audit.Report{Workloads: []audit.Result{pod("west", "a")},
		Clusters: []audit.ClusterReport{{Context: "east", Error: "not done in 5s (--cluster-timeout)"}, {Context: "west"}}})
	out, errOut, code := run(t, "", "diff", old, now, "-o", "json")
	var d struct {
		Resolved []struct {
			Cluster string
			Owner   struct{ Name string }
		}
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Resolved) != 1 || d.Resolved[0].Cluster != "west" || d.Resolved[0].Owner.Name != "gone" {
		t.Errorf("resolved: %+v", d.Resolved)
	}
	if !strings.Contains(errOut, "tiergate: baseline: cluster east not audited: 1 of the baseline's findings not compared (not counted as resolved)") {
		t.Errorf("stderr: %q", errOut)
	}
	// The other way round: east's findings are new to a baseline that
	// could not read it, and that is said.
	out, errOut, code = run(t, "", "diff", now, old, "-o", "json")
	var back struct{ New []struct{ Cluster string } }
	if err := json.Unmarshal([]byte(out), &back); err != nil || code != 0 {
		t.Fatalf("exit %d, %v: %s", code, err, errOut)
	}
	if len(back.New) != 2 || back.New[0].Cluster != "east" || !strings.Contains(errOut, "tiergate: baseline: cluster east was not audited in the baseline: its findings all count as new") {
		t.Errorf("new %+v; stderr %q", back.New, errOut)
	}
}

// TestDiffOfAFleetOfFewerClusters: a fleet report of fewer clusters
// than the older one's (--contexts of one of them) does not resolve the
// findings of the clusters it did not ask for, and says so.
func TestDiffOfAFleetOfFewerClusters(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, rep audit.Report) string {
		t.Helper()
		data, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	pod := func(cluster, name string) audit.Result {
		return audit.Result{Cluster: cluster, Kind: "Pod", Namespace: "llm", Name: name, Findings: []audit.Finding{{Rule: "TG-NET-001", Severity: policy.High}}}
	}
	old := write("old.json", audit.Report{Workloads: []audit.Result{pod("east", "a"), pod("west", "a"), pod("west", "gone")},
		Clusters: []audit.ClusterReport{{Context: "east"}, {Context: "west"}}})
	now := write("new.json", audit.Report{Workloads: []audit.Result{pod("west", "a")},
		Clusters: []audit.ClusterReport{{Context: "west"}}})
	out, errOut, code := run(t, "", "diff", old, now, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var d struct {
		Resolved []struct {
			Cluster string
			Owner   struct{ Name string }
		}
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Resolved) != 1 || d.Resolved[0].Cluster != "west" || d.Resolved[0].Owner.Name != "gone" {
		t.Errorf("resolved: %+v", d.Resolved)
	}
	if !strings.Contains(errOut, "tiergate: baseline: cluster east not in this audit: 1 of the baseline's findings not compared (not counted as resolved)") {
		t.Errorf("stderr: %q", errOut)
	}
}
