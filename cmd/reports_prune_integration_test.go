//go:build integration

package cmd

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/tiergate/tiergate/internal/crds"
	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/internal/testcluster"
)

// pruneWorkloads are two namespaces' bad Deployments, labelled so that an
// audit can be scoped to them.
const pruneWorkloads = `apiVersion: apps/v1
kind: Deployment
metadata: {name: agent, namespace: NS, labels: {tiergate-test: prune}}
spec:
  replicas: 1
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent, tiergate-test: prune}}
    spec:
      containers:
      - name: agent
        image: ghcr.io/openhands/openhands:0.40
        securityContext: {privileged: true}
`

// kubectl runs bin/k8s/kubectl on the lab with stdin.
func kubectl(t *testing.T, env []string, stdin string, args ...string) (string, error) {
	t.Helper()
	root, err := testcluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command(filepath.Join(root, "bin", "k8s", "kubectl"), append([]string{"--kubeconfig", cl.Kubeconfig}, args...)...)
	c.Env = append(os.Environ(), env...)
	c.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	err = c.Run()
	return out.String(), err
}

// TestOpenReportsPrune: -o openreports re-applied with kubectl apply
// --prune, the label report/openreports.go sets and
// --prune-allowlist=openreports.io/v1alpha1/Report (without it kubectl
// prunes only built-in kinds) prunes the reports of tiergate's the new
// output lacks, in the namespaces the output has (a report left from an
// earlier run in such a namespace is deleted).
// A namespace whose workloads are all gone has no report in the output,
// and kubectl prunes only the namespaces of the objects it applies: that
// namespace's report stays. This test pins that down so that it fails,
// and is turned round, when the output covers such namespaces.
func TestOpenReportsPrune(t *testing.T) {
	seedExample(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, ok := crds.For(schema.GroupKind{Group: "openreports.io", Kind: "Report"})
	if !ok {
		t.Fatal("no Open Reports CRD")
	}
	if err := seed.CRDs(ctx, cl.Config, s); err != nil {
		t.Fatal(err)
	}
	var manifests []string
	for _, ns := range []string{"prune-a", "prune-b"} {
		manifests = append(manifests, strings.ReplaceAll(pruneWorkloads, "NS", ns))
		t.Cleanup(func() { deleteNamespace(t, cl.Config, ns) })
	}
	file := filepath.Join(t.TempDir(), "workloads.yaml")
	if err := os.WriteFile(file, []byte(strings.Join(manifests, "---\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Files(ctx, cl.Config, file); err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"prune-a", "prune-b"} {
		if err := seed.WaitForPodsIn(ctx, cl.Config, ns, 1, 90*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	dyn := dynamic.NewForConfigOrDie(cl.Config)
	reports := func() []string {
		t.Helper()
		list, err := dyn.Resource(reportsGVR).Namespace("").List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/managed-by=tiergate"})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range list.Items {
			if strings.HasPrefix(r.GetNamespace(), "prune-") {
				out = append(out, r.GetNamespace()+"/"+r.GetName())
			}
		}
		slices.Sort(out)
		return out
	}
	audit := func() string {
		t.Helper()
		out, errOut, code := run(t, "", "audit", "--kubeconfig", cl.Kubeconfig, "-A", "-l", "tiergate-test=prune", "-o", "openreports")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		return out
	}
	prune := []string{"apply", "--prune", "-l", "app.kubernetes.io/managed-by=tiergate", "--prune-allowlist=openreports.io/v1alpha1/Report", "-f", "-"}

	first := audit()
	if out, err := kubectl(t, nil, first, prune...); err != nil {
		t.Fatalf("kubectl %v: %s", err, out)
	}
	if got := reports(); !slices.Equal(got, []string{"prune-a/tiergate", "prune-b/tiergate"}) {
		t.Fatalf("reports applied: %q", got)
	}
	// A report an earlier, larger run left in prune-a (its second part).
	var stale string
	for _, doc := range strings.Split(first, "---\n") {
		if strings.Contains(doc, "namespace: prune-a\n") {
			stale = strings.Replace(doc, "\n  name: tiergate\n", "\n  name: tiergate-2\n", 1)
		}
	}
	if out, err := kubectl(t, nil, stale, "apply", "-f", "-"); err != nil || !strings.Contains(out, "tiergate-2 created") {
		t.Fatalf("kubectl %v: %s", err, out)
	}

	kube := kubernetes.NewForConfigOrDie(cl.Config)
	if err := kube.AppsV1().Deployments("prune-b").Delete(ctx, "agent", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for {
		pods, err := kube.CoreV1().Pods("prune-b").List(ctx, metav1.ListOptions{})
		if err == nil && len(pods.Items) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("prune-b's pods not gone: %v", err)
		case <-time.After(300 * time.Millisecond):
		}
	}
	second := audit()
	if strings.Contains(second, "prune-b") {
		t.Fatalf("prune-b has no workload left, yet:\n%s", second)
	}
	// Without --prune-allowlist kubectl prunes only its built-in kinds:
	// the stale report stays.
	out, err := kubectl(t, nil, second, "apply", "--prune", "-l", "app.kubernetes.io/managed-by=tiergate", "-f", "-")
	if err != nil || strings.Contains(out, "pruned") {
		t.Errorf("kubectl apply --prune without the allowlist: %v: %s", err, out)
	}
	if got := reports(); !slices.Contains(got, "prune-a/tiergate-2") {
		t.Errorf("reports after a prune without the allowlist: %q", got)
	}
	out, err = kubectl(t, nil, second, prune...)
	if err != nil || !strings.Contains(out, "tiergate-2 pruned") {
		t.Errorf("kubectl %v: %s", err, out)
	}
	if got := reports(); !slices.Equal(got, []string{"prune-a/tiergate", "prune-b/tiergate"}) {
		t.Errorf("reports after the prune: %q; want prune-a's and, as kubectl prunes only the namespaces it applies to, prune-b's (if it is gone, -o openreports now covers emptied namespaces: turn this check round and say so in the README)", got)
	}
}
