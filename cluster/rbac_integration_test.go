//go:build integration

package cluster_test

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/testcluster"
	"github.com/tiergate/tiergate/policy"
)

// TestSandboxCreatorByRBAC: a pod with nothing LLM-like in its image,
// env or names, whose ServiceAccount may create SandboxClaims, is an
// agent orchestrator, read live from the API server's roles and
// bindings; a user who may not read RBAC sees the gap named instead.
func TestSandboxCreatorByRBAC(t *testing.T) {
	ctx := context.Background()
	c, err := cluster.NewClients(cl.Config)
	if err != nil {
		t.Fatal(err)
	}
	ns := "sandbox-dispatch"
	k := c.Kube
	if _, err := k.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "dispatcher"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "claims"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{"extensions.agents.x-k8s.io"}, Resources: []string{"sandboxclaims"}, Verbs: []string{"create", "get", "delete"}},
	}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "claims"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "claims"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "dispatcher", Namespace: ns}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": "svc"}
	one := int32(1)
	if _, err := k.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "svc"}, Spec: appsv1.DeploymentSpec{
		Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{
			ServiceAccountName: "dispatcher", Containers: []corev1.Container{{Name: "main", Image: "registry.example.com/svc:1"}},
		}},
	}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	find := func(rep *audit.Report) *audit.Result {
		for i := range rep.Workloads {
			if r := &rep.Workloads[i]; r.Namespace == ns && (r.Name == "svc" || r.RootOwner != nil && r.RootOwner.Name == "svc" || r.Owner != nil && r.Owner.Name == "svc") {
				return r
			}
		}
		t.Fatalf("svc not audited: %d workloads", len(rep.Workloads))
		return nil
	}
	rep, _ := liveReport(t, c, cluster.Options{Namespace: ns})
	r := find(rep)
	ev := strings.Join(audit.Texts(r.Evidence), "; ")
	if r.Type != policy.Agent || !strings.Contains(ev, "ServiceAccount dispatcher may create agent sandboxes: Role claims (create sandboxclaims)") {
		t.Fatalf("got %s; evidence: %s", r.Type, ev)
	}

	// Without RBAC read access the type falls back to what else is seen,
	// and the report says what was lost.
	read := []string{"get", "list", "watch"}
	u, err := cl.NewUser(ctx, "no-rbac-reader", testcluster.UserOptions{Namespace: ns, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods", "serviceaccounts"}, Verbs: read},
		{APIGroups: []string{"apps"}, Resources: []string{"replicasets", "deployments"}, Verbs: read},
	}})
	if err != nil {
		t.Fatal(err)
	}
	uc, err := cluster.NewClients(u.Config)
	if err != nil {
		t.Fatal(err)
	}
	rep, _ = liveReport(t, uc, cluster.Options{Namespace: ns})
	if r := find(rep); r.Type != policy.None {
		t.Errorf("without RBAC: got %s", r.Type)
	}
	if gaps := strings.Join(rep.NotVisible, "\n"); !strings.Contains(gaps, "roles.rbac.authorization.k8s.io: forbidden in namespace "+ns+" — pods that create agent sandboxes recognised by their env only") {
		t.Errorf("gaps: %s", gaps)
	}
}
