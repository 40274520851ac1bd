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
)

var cl *testcluster.Cluster

func TestMain(m *testing.M) {
	// The golden-file flag is parsed by testing; the cluster is started
	// once for the package.
	os.Exit(testcluster.Main(m, &cl, testcluster.Options{}))
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
		Workloads []struct{ Kind, Namespace, Name, Type string } `json:"workloads"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Workloads) < 20 {
		t.Fatalf("%d workloads", len(doc.Workloads))
	}
	pods := 0
	for _, w := range doc.Workloads {
		switch w.Kind {
		case "Pod":
			pods++
		case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob": // no pods run from it
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
	for _, f := range plan.Fixes {
		if f.Pending {
			pending = append(pending, f.Target.Kind+"/"+f.Target.Namespace+"/"+f.Target.Name)
		}
	}
	if len(pending) == 0 {
		t.Fatal("the example has no fix that would leave pods Pending; the gate is untested")
	}
	out, errOut, code := apply()
	if code != ExitFindings || strings.Contains(out, "dry run failed") || strings.Contains(out, "failed ") {
		t.Fatalf("apply without --allow-pending: exit %d, %s\n%s", code, errOut, out)
	}
	for _, p := range pending {
		if !strings.Contains(out, "held back "+p+": its pods would stay Pending") || strings.Contains(out, "applied "+p+"\n") {
			t.Errorf("%s was not held back:\n%s", p, out)
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
	kube := kubernetes.NewForConfigOrDie(cl.Config)
	ctx := context.Background()
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
