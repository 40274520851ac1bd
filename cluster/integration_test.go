//go:build integration

package cluster_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/internal/testcluster"
	"github.com/tiergate/tiergate/kinds"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/policy"
)

var cl *testcluster.Cluster

func TestMain(m *testing.M) { os.Exit(testcluster.Main(m, &cl, testcluster.Options{})) }

var seedOnce sync.Once

// seeded loads the example platform once per package and waits for its
// controllers to roll the pods out.
func seeded(t *testing.T) *cluster.Clients {
	t.Helper()
	clients, err := cluster.NewClients(cl.Config)
	if err != nil {
		t.Fatal(err)
	}
	var seedErr error
	seedOnce.Do(func() {
		_, seedErr = seed.Files(context.Background(), cl.Config, "../examples/llm-platform.yaml")
	})
	if seedErr != nil {
		t.Fatal(seedErr)
	}
	if err := seed.WaitForPods(context.Background(), cl.Config, 20, 90*time.Second); err != nil {
		t.Fatal(err)
	}
	return clients
}

func liveReport(t *testing.T, c *cluster.Clients, opts cluster.Options) (*audit.Report, *cluster.Source) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	src, err := cluster.NewSource(ctx, c, opts)
	if err != nil {
		t.Fatal(err)
	}
	src.Start(ctx)
	syncCtx, stop := context.WithTimeout(ctx, time.Minute)
	defer stop()
	if err := src.WaitForSync(syncCtx); err != nil {
		t.Fatal(err)
	}
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	return e.Audit(src.Snapshot().Inventory, audit.Options{Now: time.Now()}), src
}

func TestLiveAuditOfTheExamplePlatform(t *testing.T) {
	c := seeded(t)
	rep, _ := liveReport(t, c, cluster.Options{})
	byType := map[policy.WorkloadType]int{}
	controllers := map[string]bool{}
	custom := map[string]bool{}
	for _, w := range rep.Workloads {
		k, known := kinds.ForAPIVersion(w.APIVersion, w.Kind)
		switch {
		case w.Kind == kinds.Pod.Kind:
		case known && k.Typed != nil:
			controllers[w.Namespace+"/"+w.Name] = true // no pod runs from it
		case known && k.Watch != nil && k.Watch.IfServed:
			custom[w.Kind] = true // no operator runs it in the lab
		default:
			t.Errorf("live mode audits pods, pod-less controllers and pod-less custom resources, got %s", w.Kind)
		}
		byType[w.Type]++
	}
	// The example's custom resources without pods, audited from their
	// templates (or the fields their operators render a pod from).
	for _, kind := range []string{"LeaderWorkerSet", "InferenceService", "MCPServer", "SandboxTemplate", "SandboxWarmPool"} {
		if !custom[kind] {
			t.Errorf("the example's %s is not audited live: %v", kind, custom)
		}
	}
	// A Deployment whose RuntimeClass does not exist has no pods: it is
	// audited from its template, and that is its finding.
	if !controllers["agents/browser-agent"] {
		t.Error("the browser-agent Deployment (pods rejected at admission) is missing")
	}
	for _, w := range rep.Workloads {
		if w.Name == "browser-agent" && (len(w.Findings) == 0 || w.Findings[0].Rule != audit.RuleMissingClass) {
			t.Errorf("browser-agent findings: %+v", w.Findings)
		}
	}
	for _, typ := range []policy.WorkloadType{policy.Inference, policy.Retrieval, policy.Agent, policy.CodeExec, policy.None} {
		if byType[typ] == 0 {
			t.Errorf("no live %s pods: %v", typ, byType)
		}
	}
	// A Deployment's pod names its ReplicaSet and, through it, the Deployment.
	found := false
	for _, w := range rep.Workloads {
		if w.Owner != nil && w.Owner.Kind == "ReplicaSet" && strings.HasPrefix(w.Name, "support-agent-") {
			found = w.RootOwner != nil && *w.RootOwner == (audit.Owner{APIVersion: "apps/v1", Kind: "Deployment", Name: "support-agent"})
			if w.Type != policy.Agent || w.Isolation != policy.VM || len(w.Findings) != 0 {
				t.Errorf("support-agent pod: %s on %s with %d findings", w.Type, w.Isolation, len(w.Findings))
			}
			if len(w.Nodes) != 1 || w.Nodes[0].KernelVersion == "" {
				t.Errorf("support-agent pod: node facts %+v", w.Nodes)
			}
		}
	}
	if !found {
		t.Error("no support-agent pod with its Deployment as root owner")
	}
}

// TestLiveEqualsOfflineDump: the objects live mode reads, dumped as
// kubectl get -o yaml would, audit the same offline.
func TestLiveEqualsOfflineDump(t *testing.T) {
	c := seeded(t)
	live, _ := liveReport(t, c, cluster.Options{})
	dump := filepath.Join(t.TempDir(), "dump.yaml")
	if err := dumpList(context.Background(), c.Kube, c.Dynamic, dump); err != nil {
		t.Fatal(err)
	}
	objs, err := manifest.Read([]string{dump}, nil, manifest.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inv, _, err := manifest.Build(objs, manifest.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := audit.NewEngine(policy.Default())
	offline := e.Audit(inv, audit.Options{Now: time.Now()})
	off := map[string]audit.Result{}
	for _, w := range offline.Workloads {
		off[w.Namespace+"/"+w.Name] = w
	}
	if len(live.Workloads) == 0 || len(live.Workloads) != len(offline.Workloads) {
		seen := map[string]bool{}
		for _, w := range live.Workloads {
			seen[w.Namespace+"/"+w.Name] = true
		}
		var extra, liveOnly []string
		for k, w := range off {
			if !seen[k] {
				extra = append(extra, w.Kind+" "+k)
			}
		}
		for _, w := range live.Workloads {
			if _, ok := off[w.Namespace+"/"+w.Name]; !ok {
				liveOnly = append(liveOnly, w.Kind+" "+w.Namespace+"/"+w.Name)
			}
		}
		t.Fatalf("live %d workloads, offline %d; offline only: %v; live only: %v", len(live.Workloads), len(offline.Workloads), extra, liveOnly)
	}
	for _, lw := range live.Workloads {
		ow, ok := off[lw.Namespace+"/"+lw.Name]
		if !ok {
			t.Errorf("%s/%s: missing offline", lw.Namespace, lw.Name)
			continue
		}
		if lw.Type != ow.Type || lw.Confidence != ow.Confidence || lw.Isolation != ow.Isolation || lw.Handler != ow.Handler {
			t.Errorf("%s/%s: live %s %.2f %s/%s, offline %s %.2f %s/%s", lw.Namespace, lw.Name, lw.Type, lw.Confidence, lw.Handler, lw.Isolation, ow.Type, ow.Confidence, ow.Handler, ow.Isolation)
		}
		if a, b := findingKeys(lw), findingKeys(ow); a != b {
			t.Errorf("%s/%s findings differ:\n live:    %s\n offline: %s", lw.Namespace, lw.Name, a, b)
		}
		if a, b := gpuKeys(lw.GPUs), gpuKeys(ow.GPUs); a != b {
			t.Errorf("%s/%s GPUs differ:\n live:    %s\n offline: %s", lw.Namespace, lw.Name, a, b)
		}
	}
	if a, b := nodeGPUKeys(live.Nodes), nodeGPUKeys(offline.Nodes); a != b {
		t.Errorf("nodes' GPUs differ:\n live:    %s\n offline: %s", a, b)
	}
}

// gpuKeys is a pod's GPUs, claims and all, as comparable text.
func gpuKeys(gs []audit.GPU) string {
	b, _ := json.Marshal(gs)
	return string(b)
}

// nodeGPUKeys is each node's GPUs (capacity, allocation, DRA devices).
func nodeGPUKeys(ns []audit.NodeReport) string {
	var ks []string
	for _, n := range ns {
		ks = append(ks, n.Name+":"+n.GPUProduct+":"+func() string { b, _ := json.Marshal(n.GPUs); return string(b) }())
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}

func findingKeys(r audit.Result) string {
	var ks []string
	for _, f := range r.Findings {
		ks = append(ks, f.Rule+"/"+string(f.Severity)+"@"+f.Path)
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}

func TestPodCreatedAfterStartAppears(t *testing.T) {
	c := seeded(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src, err := cluster.NewSource(ctx, c, cluster.Options{Namespace: "agents", Coalesce: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	snaps := src.Subscribe()
	src.Start(ctx)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "late-agent", Namespace: "agents"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "a", Image: "ghcr.io/acme/late-agent:1", Env: []corev1.EnvVar{{Name: "OPENAI_API_KEY", Value: "sk-test"}}}}},
	}
	waitSynced(t, snaps)
	if _, err := c.Kube.CoreV1().Pods("agents").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case s := <-snaps:
			for _, w := range s.Inventory.Workloads {
				if w.Name == "late-agent" {
					if v := w.Templates[0].Spec.Containers[0].Env[0].Value; v != "" {
						t.Errorf("env value kept in the cache: %q", v)
					}
					_ = c.Kube.CoreV1().Pods("agents").Delete(ctx, "late-agent", metav1.DeleteOptions{})
					return
				}
			}
		case <-deadline:
			t.Fatal("the new pod did not appear within 10s")
		}
	}
}

func waitSynced(t *testing.T, snaps <-chan *cluster.Snapshot) *cluster.Snapshot {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		select {
		case s := <-snaps:
			if s.Synced {
				return s
			}
		case <-deadline:
			t.Fatal("not synced within a minute")
		}
	}
}

func TestLimitedUserSeesItsNamespaceAndNamesTheGaps(t *testing.T) {
	seeded(t)
	ctx := context.Background()
	read := []string{"get", "list", "watch"}
	u, err := cl.NewUser(ctx, "rag-reader", testcluster.UserOptions{Namespace: "rag", Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods", "serviceaccounts"}, Verbs: read},
		{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"networkpolicies"}, Verbs: read},
		{APIGroups: []string{"apps"}, Resources: []string{"replicasets", "deployments", "statefulsets"}, Verbs: read},
	}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := cluster.NewClients(u.Config)
	if err != nil {
		t.Fatal(err)
	}
	rep, src := liveReport(t, c, cluster.Options{Namespace: "rag"})
	if len(rep.Workloads) == 0 {
		t.Fatal("nothing visible in rag")
	}
	for _, w := range rep.Workloads {
		if w.Namespace != "rag" {
			t.Errorf("saw %s/%s", w.Namespace, w.Name)
		}
	}
	gaps := strings.Join(rep.NotVisible, "\n")
	for _, want := range []string{"nodes: forbidden (cluster-scoped)", "runtimeclasses.node.k8s.io: forbidden (cluster-scoped)", "jobs.batch: forbidden in namespace rag"} {
		if !strings.Contains(gaps, want) {
			t.Errorf("gaps %q lack %q", gaps, want)
		}
	}
	if len(src.Gaps()) != len(rep.NotVisible) {
		t.Errorf("gaps: source %d, report %d", len(src.Gaps()), len(rep.NotVisible))
	}
	// Without pods there is nothing to audit: that is an error, not an empty report.
	none, err := cl.NewUser(ctx, "nobody", testcluster.UserOptions{Namespace: "rag"})
	if err != nil {
		t.Fatal(err)
	}
	nc, _ := cluster.NewClients(none.Config)
	if _, err := cluster.NewSource(ctx, nc, cluster.Options{Namespace: "rag"}); err == nil || !strings.Contains(err.Error(), "pods: forbidden in namespace rag") {
		t.Fatalf("got %v", err)
	}
}

// TestSnapshotRecoversAfterAPIServerRestart stops the control plane under
// a running source and starts it again: the source reports the error,
// keeps its data, and recovers without being restarted.
func TestSnapshotRecoversAfterAPIServerRestart(t *testing.T) {
	c := seeded(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src, err := cluster.NewSource(ctx, c, cluster.Options{Coalesce: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	snaps := src.Subscribe()
	src.Start(ctx)
	first := waitSynced(t, snaps)
	n := len(first.Inventory.Workloads)
	if err := cl.StopControlPlane(ctx); err != nil {
		t.Fatal(err)
	}
	sawErr := false
	deadline := time.After(60 * time.Second)
	for !sawErr {
		select {
		case s := <-snaps:
			if s.Err != nil {
				sawErr = true
				if len(s.Inventory.Workloads) != n {
					t.Errorf("stale data lost: %d workloads, had %d", len(s.Inventory.Workloads), n)
				}
			}
		case <-deadline:
			t.Fatal("no error reported within 60s of the apiserver stopping")
		}
	}
	if err := cl.StartControlPlane(ctx); err != nil {
		t.Fatal(err)
	}
	// A change after the restart flows through the same source.
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "after-restart", Namespace: "default"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a", Image: "vllm/vllm-openai:v0.9.2"}}}}
	if _, err := c.Kube.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline = time.After(90 * time.Second)
	for {
		select {
		case s := <-snaps:
			for _, w := range s.Inventory.Workloads {
				if w.Name == "after-restart" && s.Err == nil {
					return
				}
			}
		case <-deadline:
			t.Fatal("the source did not recover within 90s of the restart")
		}
	}
}
