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
// over), and afterwards no workload that was patched still has a finding
// a fix claimed. It runs last: it changes the example the other tests read.
func TestLiveFixTheExamplePlatform(t *testing.T) {
	seedExample(t)
	before, errOut, code := run(t, "", "fix", "--kubeconfig", cl.Kubeconfig, "-A", "-o", "json")
	if code != 0 {
		t.Fatalf("fix -o json: exit %d: %s", code, errOut)
	}
	var plan struct {
		Fixes []struct {
			Kind     string
			Target   struct{ Kind, Namespace, Name string }
			Resolves []struct{ Rule, Container string }
		}
	}
	if err := json.Unmarshal([]byte(before), &plan); err != nil {
		t.Fatal(err)
	}
	if len(plan.Fixes) < 10 {
		t.Fatalf("only %d fixes for the example", len(plan.Fixes))
	}
	out, errOut, code := run(t, "", "fix", "--kubeconfig", cl.Kubeconfig, "-A", "--apply", "--yes", "--force-conflicts")
	if code != 0 || strings.Contains(out, "dry run failed") || strings.Contains(out, "failed ") {
		t.Fatalf("apply the example's fixes: exit %d, %s\n%s", code, errOut, out)
	}
	// The controllers roll the patched owners out; the claimed findings go.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		left := claimedStillThere(t, plan.Fixes)
		if left == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the apply: %s", left)
		}
		time.Sleep(2 * time.Second)
	}
}

// claimedStillThere audits live and names a patched owner none of whose
// pods is free of the findings its fixes claimed, or "". Old pods may
// stay (a rollout waits for its new pods to be ready, and a fix may say
// that they would stay Pending); a new one must be clean.
func claimedStillThere(t *testing.T, fixes []struct {
	Kind     string
	Target   struct{ Kind, Namespace, Name string }
	Resolves []struct{ Rule, Container string }
}) string {
	t.Helper()
	out, errOut, code := run(t, "", "audit", "--kubeconfig", cl.Kubeconfig, "-A", "-o", "json")
	if code != 0 {
		return "audit: " + errOut
	}
	var doc struct {
		Workloads []struct {
			Kind, Namespace, Name string
			Owner                 *struct{ Kind, Name string } `json:"owner"`
			RootOwner             *struct{ Kind, Name string } `json:"rootOwner"`
			Findings              []struct{ Rule, Container, Message string }
		} `json:"workloads"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	claims := map[string][]struct{ Rule, Container string }{} // owner → claims
	for _, fx := range fixes {
		if fx.Target.Kind == "NetworkPolicy" || fx.Target.Kind == "RuntimeClass" {
			continue
		}
		key := fx.Target.Namespace + "/" + fx.Target.Kind + "/" + fx.Target.Name
		claims[key] = append(claims[key], fx.Resolves...)
	}
	clean := map[string]bool{}
	last := map[string]string{}
	for _, w := range doc.Workloads {
		owner := w.Kind + "/" + w.Name
		switch {
		case w.RootOwner != nil:
			owner = w.RootOwner.Kind + "/" + w.RootOwner.Name
		case w.Owner != nil:
			owner = w.Owner.Kind + "/" + w.Owner.Name
		}
		key := w.Namespace + "/" + owner
		cs, ok := claims[key]
		if !ok {
			continue
		}
		left := ""
		for _, r := range cs {
			for _, f := range w.Findings {
				if f.Rule == r.Rule && f.Container == r.Container {
					left = w.Name + " still has " + f.Rule + ": " + f.Message
				}
			}
		}
		if left == "" {
			clean[key] = true
		} else {
			last[key] = left
		}
	}
	for key := range claims {
		if !clean[key] {
			return key + ": no pod free of the fixed findings (" + last[key] + ")"
		}
	}
	return ""
}
