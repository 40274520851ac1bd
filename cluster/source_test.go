package cluster

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"
)

// fakeClients answers access reviews with allow (or deny for the listed
// resources); the fake clientset is for these pure unit tests only.
func fakeClients(deny ...string) *Clients {
	kube := fake.NewSimpleClientset()
	kube.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		r := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview)
		allowed := true
		for _, d := range deny {
			if r.Spec.ResourceAttributes.Resource == d {
				allowed = false
			}
		}
		r.Status.Allowed = allowed
		return true, r, nil
	})
	return &Clients{Config: &rest.Config{Host: "https://fake"}, Kube: kube, Dynamic: dynamicfake.NewSimpleDynamicClient(runtime.NewScheme()), Discovery: kube.Discovery(), Server: "https://fake"}
}

// TestBurstsCoalesce: a burst of 80 pod events yields a handful of
// snapshots, the last one complete, and nothing before sync says synced.
func TestBurstsCoalesce(t *testing.T) {
	c := fakeClients()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src, err := NewSource(ctx, c, Options{Coalesce: 100 * time.Millisecond, Probe: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	snaps := src.Subscribe()
	src.Start(ctx)
	if err := src.WaitForSync(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 80; i++ { // the fake watcher buffers 100 events
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%03d", i), Namespace: "llm"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "vllm/vllm-openai:v0.9.2", Env: []corev1.EnvVar{{Name: "HF_TOKEN", Value: "hf_secret"}}}}}}
		if _, err := c.Kube.CoreV1().Pods("llm").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	got, last := 0, 0
	deadline := time.After(5 * time.Second)
	for last < 80 {
		select {
		case s := <-snaps:
			got++
			if !s.Synced {
				t.Error("a snapshot after sync says syncing")
			}
			last = len(s.Inventory.Workloads)
			for _, w := range s.Inventory.Workloads {
				if v := w.Templates[0].Spec.Containers[0].Env[0].Value; v != "" {
					t.Fatalf("env value reached the snapshot: %q", v)
				}
			}
		case <-deadline:
			t.Fatalf("after 5s the newest snapshot has %d of 80 pods", last)
		}
	}
	if got > 10 {
		t.Errorf("%d snapshots for one burst; want them coalesced", got)
	}
}

func TestForbiddenResourcesBecomeGaps(t *testing.T) {
	c := fakeClients("nodes", "networkpolicies")
	src, err := NewSource(context.Background(), c, Options{Namespace: "llm"})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, g := range src.Gaps() {
		lines = append(lines, g.String())
	}
	want := []string{
		"networkpolicies.networking.k8s.io: forbidden in namespace llm — egress checks skipped",
		"nodes: forbidden (cluster-scoped) — kernel facts, runtime handlers and GPU capacity unavailable",
	}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("gaps:\n%q\nwant\n%q", lines, want)
	}
	inv := src.Snapshot().Inventory
	if !inv.NetworkPoliciesHidden || len(inv.Gaps) != 2 {
		t.Errorf("inventory: hidden=%v gaps=%v", inv.NetworkPoliciesHidden, inv.Gaps)
	}
	if _, err := NewSource(context.Background(), fakeClients("pods"), Options{Namespace: "llm"}); err == nil {
		t.Error("no pods to read must be an error")
	}
}

// TestNamespacesForbiddenIsAGap: without list on namespaces the audit
// says what it loses and marks them hidden, so that TG-PSS-011 is
// skipped rather than guessed.
func TestNamespacesForbiddenIsAGap(t *testing.T) {
	src, err := NewSource(context.Background(), fakeClients("namespaces"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, g := range src.Gaps() {
		lines = append(lines, g.String())
	}
	want := "namespaces: forbidden (cluster-scoped) — Pod Security labels unknown: the namespace enforce check (TG-PSS-011) skipped"
	if !slices.Contains(lines, want) {
		t.Errorf("gaps %q lack %q", lines, want)
	}
	if inv := src.Snapshot().Inventory; !inv.NamespacesHidden || len(inv.Namespaces) != 0 {
		t.Errorf("inventory: hidden=%v namespaces=%v", inv.NamespacesHidden, inv.Namespaces)
	}
}
