//go:build integration

package cmd

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/internal/testcluster"
	"github.com/tiergate/tiergate/kinds"
)

var cl *testcluster.Cluster

func TestMain(m *testing.M) {
	// The golden-file flag is parsed by testing; the cluster is started
	// once for the package.
	cleanup := isolateKubeconfig() // every test names --kubeconfig
	code := testcluster.Main(m, &cl, testcluster.Options{})
	cleanup()
	os.Exit(code)
}

func seedExample(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if _, err := seed.Files(ctx, cl.Config, example); err != nil {
		t.Fatal(err)
	}
	if err := seed.WaitForPods(ctx, cl.Config, 20, 90*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestLiveAuditCommand(t *testing.T) {
	seedExample(t)
	out, errOut, code := run(t, "", "audit", "--kubeconfig", cl.Kubeconfig, "-A", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Workloads []struct{ APIVersion, Kind, Namespace, Name, Type string } `json:"workloads"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Workloads) < 20 {
		t.Fatalf("%d workloads", len(doc.Workloads))
	}
	pods := 0
	for _, w := range doc.Workloads {
		k, known := kinds.ForAPIVersion(w.APIVersion, w.Kind)
		switch {
		case w.Kind == kinds.Pod.Kind:
			pods++
		case known && (k.Typed != nil || k.Watch != nil && k.Watch.IfServed): // no pods run from it
		default:
			t.Errorf("live workload %s/%s is a %s", w.Namespace, w.Name, w.Kind)
		}
	}
	if pods < 20 {
		t.Errorf("%d pods audited", pods)
	}
	// The context's namespace is the default scope, as with kubectl.
	out, _, code = run(t, "", "audit", "--kubeconfig", cl.Kubeconfig, "-n", "agents", "--fail-on", "critical")
	if code != 0 || !strings.Contains(out, "AGENT (") || strings.Contains(out, "rag ") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

func TestLiveLimitedUserCommand(t *testing.T) {
	seedExample(t)
	ctx := context.Background()
	read := []string{"get", "list", "watch"}
	u, err := cl.NewUser(ctx, "agents-reader", testcluster.UserOptions{Namespace: "agents", Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: read},
	}})
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "", "audit", "--kubeconfig", u.Kubeconfig)
	if code != 0 || !strings.Contains(out, "AGENT (") {
		t.Fatalf("exit %d: %s / %s", code, out, errOut)
	}
	for _, want := range []string{"tiergate: not visible: nodes: forbidden (cluster-scoped)", "networkpolicies.networking.k8s.io: forbidden in namespace agents — egress checks skipped"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	_, errOut, code = run(t, "", "audit", "--kubeconfig", u.Kubeconfig, "-A")
	if code != 2 || !strings.Contains(errOut, "pods: forbidden in all namespaces") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
		t.Fatalf("exit %d: %q", code, errOut)
	}
}

// TestLiveMetricsSayWhy reads the figures of the example's pods through
// the real API server: its node and pod proxies refuse kwok's addresses
// and no metrics-server runs, so every cell must say why it is empty
// (not running, proxy refused, not an LLM server, no GPU), each source's
// trouble is said once on stderr, and a user without nodes/proxy or
// pods/proxy sees "forbidden". (A real kubelet's Summary API is tested
// on a recorded response in the metrics package.)
func TestLiveMetricsSayWhy(t *testing.T) {
	seedExample(t)
	ctx := context.Background()
	type doc struct {
		Workloads []struct {
			Kind, Name, Type string
			GPUs             []struct{ Resource string }
			Metrics          *struct{ Why map[string]string }
		}
	}
	read := func(out string) doc {
		t.Helper()
		var d doc
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatalf("%v:\n%s", err, out)
		}
		return d
	}
	out, errOut, code := run(t, "", "audit", "--kubeconfig", cl.Kubeconfig, "-n", "llm-serving", "--metrics", "--metrics-interval", "1s", "-o", "json")
	if code > ExitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"memory: kubelets are not reachable through the API server's node proxy", "memory: metrics.k8s.io is not served", "tokens/s: the API server's pod proxy refused to connect"} {
		if strings.Count(errOut, want) != 1 {
			t.Errorf("stderr should say %q once:\n%s", want, errOut)
		}
	}
	pods, running, servers := 0, 0, 0
	for _, w := range read(out).Workloads {
		if w.Kind != "Pod" {
			continue
		}
		pods++
		if w.Metrics == nil {
			t.Fatalf("%s has no metrics object", w.Name)
		}
		why := w.Metrics.Why
		if why["rss"] == "not running" {
			continue // kwok leaves pods that fit no node Pending
		}
		running++
		if why["rss"] != "proxy refused" {
			t.Errorf("%s: rss why %q", w.Name, why["rss"])
		}
		switch {
		case w.Type == "inference":
			servers++
			if why["tokens"] != "proxy refused" {
				t.Errorf("%s: tokens why %q", w.Name, why["tokens"])
			}
		case why["tokens"] != "not an LLM server":
			t.Errorf("%s (%s): tokens why %q", w.Name, w.Type, why["tokens"])
		}
		if want := map[bool]string{true: "no source", false: "no GPU"}[len(w.GPUs) > 0]; why["gpu"] != want {
			t.Errorf("%s: gpu why %q, want %q", w.Name, why["gpu"], want)
		}
	}
	if pods == 0 || running == 0 || servers == 0 {
		t.Fatalf("%d pods, %d running, %d servers running: nothing tested", pods, running, servers)
	}

	u, err := cl.NewUser(ctx, "serving-reader", testcluster.UserOptions{Namespace: "llm-serving", Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code = run(t, "", "audit", "--kubeconfig", u.Kubeconfig, "--metrics", "--metrics-interval", "1s", "-o", "json")
	if code > ExitFindings {
		t.Fatalf("limited user: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"memory: nodes/proxy is forbidden", "tokens/s: pods/proxy is forbidden"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("limited user: stderr lacks %q:\n%s", want, errOut)
		}
	}
	forbidden := 0
	for _, w := range read(out).Workloads {
		if w.Metrics != nil && w.Metrics.Why["rss"] == "forbidden" && (w.Type != "inference" || w.Metrics.Why["tokens"] == "forbidden") {
			forbidden++
		}
	}
	if forbidden == 0 {
		t.Errorf("limited user: no pod says forbidden:\n%s", out)
	}

	// Flags that make no sense are refused on one line.
	for _, args := range [][]string{
		{"-f", example, "--metrics"},
		{"--metrics", "--prometheus-url", "ftp://x"},
		{"--prometheus-url", "http://a:9090", "--prometheus-service", "m/p:9090"},
		{"--metrics", "-o", "sarif"},
	} {
		_, errOut, code := run(t, "", append([]string{"audit", "--kubeconfig", cl.Kubeconfig}, args...)...)
		if code != ExitUsage || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: exit %d: %q", args, code, errOut)
		}
	}
}

// TestLiveFixTheExamplePlatform fixes the whole example platform on the
// real control plane: every dry run is accepted, every change lands (the
// seed's field manager owns many of the fields, so conflicts are taken
// over), the owners' templates carry the changes, and applying again
// changes nothing. (Whether the rollouts finish depends on the fake nodes'
// room; TestLiveFixApply follows a rollout to clean pods.) It runs last: it
// changes the example the other tests read.
func TestLiveFixTheExamplePlatform(t *testing.T) {
	seedExample(t)
	before, errOut, code := run(t, "", "fix", "--kubeconfig", cl.Kubeconfig, "-A", "-o", "json")
	if code != 0 {
		t.Fatalf("fix -o json: exit %d: %s", code, errOut)
	}
	var plan struct {
		Fixes []struct {
			Kind, RuntimeClass string
			Pending            bool
			Target             struct{ Kind, Namespace, Name string }
		}
	}
	if err := json.Unmarshal([]byte(before), &plan); err != nil {
		t.Fatal(err)
	}
	if len(plan.Fixes) < 10 {
		t.Fatalf("only %d fixes for the example", len(plan.Fixes))
	}
	apply := func(more ...string) (string, string, int) {
		return run(t, "", append([]string{"fix", "--kubeconfig", cl.Kubeconfig, "-A", "--apply", "--yes", "--force-conflicts"}, more...)...)
	}
	// The example's qdrant would stay Pending under the class its tier
	// needs (no gVisor node matches its node selector): held back, exit 1,
	// until --allow-pending.
	var pending []string
	heldClass := map[string]string{} // the class a held-back change would set
	for _, f := range plan.Fixes {
		if f.Pending {
			p := f.Target.Kind + "/" + f.Target.Namespace + "/" + f.Target.Name
			pending = append(pending, p)
			heldClass[p] = f.RuntimeClass
		}
	}
	if len(pending) == 0 {
		t.Fatal("the example has no fix that would leave pods Pending; the gate is untested")
	}
	out, errOut, code := apply()
	if code != ExitFindings || strings.Contains(out, "dry run failed") || strings.Contains(out, "failed ") {
		t.Fatalf("apply without --allow-pending: exit %d, %s\n%s", code, errOut, out)
	}
	// Only the runtime change is held back; the object's other fixes go.
	kube := kubernetes.NewForConfigOrDie(cl.Config)
	ctx := context.Background()
	for _, p := range pending {
		if !strings.Contains(out, "held back "+p+" [runtime-class]: its pods would stay Pending") {
			t.Errorf("%s was not held back:\n%s", p, out)
		}
		if parts := strings.Split(p, "/"); parts[0] == "StatefulSet" {
			s, err := kube.AppsV1().StatefulSets(parts[1]).Get(ctx, parts[2], metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if ptr.Deref(s.Spec.Template.Spec.RuntimeClassName, "") == heldClass[p] {
				t.Errorf("%s: the held-back runtime change was applied", p)
			}
		}
	}
	out, errOut, code = apply("--allow-pending")
	if code != 0 || strings.Contains(out, "dry run failed") || strings.Contains(out, "failed ") || strings.Contains(out, "not sent") || strings.Contains(out, "held back") {
		t.Fatalf("apply the example's fixes: exit %d, %s\n%s", code, errOut, out)
	}
	for _, p := range pending {
		if !strings.Contains(out, "applied "+p+"\n") {
			t.Errorf("--allow-pending did not apply %s:\n%s", p, out)
		}
	}
	checked := 0
	for _, f := range plan.Fixes {
		if f.Kind != "runtime-class" || f.Target.Kind != "Deployment" {
			continue
		}
		d, err := kube.AppsV1().Deployments(f.Target.Namespace).Get(ctx, f.Target.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := ptr.Deref(d.Spec.Template.Spec.RuntimeClassName, ""); got != f.RuntimeClass {
			t.Errorf("%s/%s: runtimeClassName %q after the apply, want %q", f.Target.Namespace, f.Target.Name, got, f.RuntimeClass)
		}
		checked++
	}
	if checked == 0 {
		t.Error("no runtime-class fix of a Deployment to check")
	}
	// Again: the same fixes (old pods may still run) change nothing.
	out, errOut, code = apply("--allow-pending")
	if code != 0 || strings.Contains(out, "\napplied ") || strings.Contains(out, "\ncreated ") {
		t.Errorf("second apply: exit %d, %s\n%s", code, errOut, out)
	}
}
