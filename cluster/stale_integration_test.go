//go:build integration

package cluster_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/testcluster"
)

// TestStaleClearsWhenAWatchRecoversWithNoEvent: a limited user's source
// of an empty namespace; its read of NetworkPolicies revoked and the
// control plane restarted, that watch fails (forbidden) and the
// snapshots say so; the read restored, the watch relists an empty list,
// which no event follows, and the snapshots stop saying stale.
func TestStaleClearsWhenAWatchRecoversWithNoEvent(t *testing.T) {
	c := seeded(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const ns = "stale-empty"
	if _, err := c.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	read := []string{"get", "list", "watch"}
	pods := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: read}
	netpols := rbacv1.PolicyRule{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"networkpolicies"}, Verbs: read}
	u, err := cl.NewUser(ctx, "stale-reader", testcluster.UserOptions{Namespace: ns, Rules: []rbacv1.PolicyRule{pods, netpols}})
	if err != nil {
		t.Fatal(err)
	}
	setRules := func(rules ...rbacv1.PolicyRule) {
		t.Helper()
		role, err := c.Kube.RbacV1().Roles(ns).Get(ctx, "stale-reader", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		role.Rules = rules
		if _, err := c.Kube.RbacV1().Roles(ns).Update(ctx, role, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	uc, err := cluster.NewClients(u.Config)
	if err != nil {
		t.Fatal(err)
	}
	src, err := cluster.NewSource(ctx, uc, cluster.Options{Namespace: ns, Coalesce: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	snaps := src.Subscribe()
	src.Start(ctx)
	defer src.Stop()
	if err := src.WaitForSync(ctx); err != nil {
		t.Fatal(err)
	}
	if s := waitSynced(t, snaps); s.Inventory.NetworkPoliciesHidden {
		t.Fatal("network policies not watched")
	}

	setRules(pods)
	if err := cl.StopControlPlane(ctx); err != nil {
		t.Fatal(err)
	}
	if err := cl.StartControlPlane(ctx); err != nil {
		t.Fatal(err)
	}
	// The reflector backs off between failed lists (up to 30s).
	// A watch that failed while the server started (pods: refused,
	// unauthorized) and recovered on its empty list must not mask it.
	deadline := time.After(3 * time.Minute)
	var last error
	for refused := false; !refused; {
		select {
		case s := <-snaps:
			last = s.Err
			refused = s.Err != nil && strings.Contains(s.Err.Error(), "networkpolicies")
		case <-deadline:
			t.Fatalf("the revoked watch was not reported within 3m of the restart; the snapshots say: %v", last)
		}
	}

	setRules(pods, netpols)
	deadline = time.After(90 * time.Second)
	for {
		select {
		case s := <-snaps:
			if s.Err == nil {
				return
			}
			last = s.Err
		case <-deadline:
			t.Fatalf("still stale 90s after the read was restored: %v", last)
		}
	}
}
