//go:build integration

package cmd

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/tiergate/tiergate/internal/seed"
)

// TestExampleRollsOut: the example platform, loaded as make lab loads it,
// runs every pod but the three its comments name as broken on purpose,
// and the audit says of each why (STATUS in -o wide and JSON).
func TestExampleRollsOut(t *testing.T) {
	seedExample(t)
	ro, err := seed.WaitRollout(context.Background(), cl.Config, 2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var broken []string
	for _, l := range append(ro.NotRunning, ro.NoPods...) {
		broken = append(broken, strings.SplitN(l, ":", 2)[0])
	}
	want := []string{"code-sandbox/jovyan-5f0c3b2e-9d41-4a8e-b7c2-61e0f4a9d3b7", "agents/Deployment/browser-agent", "rag/StatefulSet/qdrant"}
	for _, w := range want {
		if !slices.Contains(broken, w) {
			t.Errorf("%s should not run (the example says why): %v", w, broken)
		}
	}
	// Other tests of this package seed pods of their own: count only the
	// example's namespaces.
	for _, b := range broken {
		ns := strings.SplitN(b, "/", 2)[0]
		if slices.Contains([]string{"llm-serving", "rag", "agents", "code-sandbox", "platform", "ml-training"}, ns) && !slices.Contains(want, b) {
			t.Errorf("%s does not run: %v", b, append(ro.NotRunning, ro.NoPods...))
		}
	}
	if ro.Running < 45 {
		t.Errorf("%d pods running", ro.Running)
	}

	out, errOut, code := run(t, "", "audit", "--kubeconfig", cl.Kubeconfig, "-A", "-o", "wide")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Pending: Unschedulable", "no pods: FailedCreate", "Completed", "Running"} {
		if !strings.Contains(out, want) {
			t.Errorf("-o wide lacks STATUS %q", want)
		}
	}
	out, _, _ = run(t, "", "audit", "--kubeconfig", cl.Kubeconfig, "-n", "code-sandbox", "-o", "json")
	var doc struct {
		Workloads []struct {
			Name   string
			Status *struct{ Status, Reason, Message string }
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for _, w := range doc.Workloads {
		if strings.HasPrefix(w.Name, "jovyan-") && (w.Status == nil || w.Status.Reason != "Unschedulable" || !strings.Contains(w.Status.Message, "nvidia.com/gpu")) {
			t.Errorf("the pending pod's status does not say why: %+v", w.Status)
		}
	}
}

// TestLiveScopeErrors: a namespace that does not exist is an error with
// the names close to it; an existing empty scope exits 3.
func TestLiveScopeErrors(t *testing.T) {
	seedExample(t)
	kube, err := kubernetes.NewForConfig(cl.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "empty-scope"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		errOut string
	}{
		{"typo", []string{"-n", "agnets"}, ExitUsage, `error: namespace "agnets" not found; did you mean agents?`},
		{"empty namespace", []string{"-n", "empty-scope"}, ExitEmpty, "nothing to audit: namespace empty-scope has no pods and no controllers with a pod template"},
		{"selector", []string{"-n", "agents", "-l", "app=typo"}, ExitEmpty, "nothing to audit: nothing in namespace agents matches -n agents -l app=typo"},
		{"allowed", []string{"-n", "empty-scope", "--allow-empty", "-o", "json"}, 0, "tiergate: nothing to audit"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := run(t, "", append([]string{"audit", "--kubeconfig", cl.Kubeconfig}, tt.args...)...)
			if code != tt.code || !strings.Contains(errOut, tt.errOut) {
				t.Fatalf("exit %d (want %d): %q", code, tt.code, errOut)
			}
		})
	}
}

// TestLiveOutputIsDeterministic: the same cluster gives the same report
// byte for byte (informers list their caches in no order).
func TestLiveOutputIsDeterministic(t *testing.T) {
	seedExample(t)
	if _, err := seed.WaitRollout(context.Background(), cl.Config, 2*time.Minute); err != nil {
		t.Fatal(err) // a cluster still changing gives different reports, rightly
	}
	for _, format := range []string{"json", "yaml"} {
		first, _, code := run(t, "", "audit", "--kubeconfig", cl.Kubeconfig, "-A", "-o", format)
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		for range 3 {
			again, _, _ := run(t, "", "audit", "--kubeconfig", cl.Kubeconfig, "-A", "-o", format)
			if again != first {
				a, b := strings.Split(first, "\n"), strings.Split(again, "\n")
				for i := range min(len(a), len(b)) {
					if a[i] != b[i] {
						t.Fatalf("-o %s differs at line %d:\n%s\n%s", format, i+1, a[i], b[i])
					}
				}
				t.Fatalf("-o %s differs in length", format)
			}
		}
	}
}
