package audit_test

import (
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

// A pod whose ServiceAccount may create agent sandboxes starts them for
// agent sessions: it is the agent. Only rules that name the sandbox
// resources count.
func TestSandboxCreatorsByRBAC(t *testing.T) {
	claims := rbacv1.PolicyRule{APIGroups: []string{"extensions.agents.x-k8s.io"}, Resources: []string{"sandboxclaims"}, Verbs: []string{"create"}}
	sa := func(ns string) []rbacv1.Subject {
		return []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "dispatcher", Namespace: ns}}
	}
	role := func(rules ...rbacv1.PolicyRule) []rbacv1.Role {
		return []rbacv1.Role{{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "r"}, Rules: rules}}
	}
	bindRole := []rbacv1.RoleBinding{{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "b"}, RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "r"}, Subjects: sa("")}}
	for _, tt := range []struct {
		name  string
		rbac  audit.RBAC
		want  policy.WorkloadType
		proof string
	}{
		{"Role bound to the pod's ServiceAccount", audit.RBAC{Roles: role(claims), RoleBindings: bindRole}, policy.Agent, "ServiceAccount dispatcher may create agent sandboxes: Role r (create sandboxclaims)"},
		{"ClusterRole bound in the namespace", audit.RBAC{
			ClusterRoles: []rbacv1.ClusterRole{{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Rules: []rbacv1.PolicyRule{{APIGroups: []string{"agents.x-k8s.io"}, Resources: []string{"sandboxes"}, Verbs: []string{"*"}}}}},
			RoleBindings: []rbacv1.RoleBinding{{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "b"}, RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "c"}, Subjects: sa("ns")}},
		}, policy.Agent, "ClusterRole c (create sandboxes)"},
		{"ClusterRole bound cluster-wide", audit.RBAC{
			ClusterRoles:        []rbacv1.ClusterRole{{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Rules: []rbacv1.PolicyRule{claims}}},
			ClusterRoleBindings: []rbacv1.ClusterRoleBinding{{ObjectMeta: metav1.ObjectMeta{Name: "b"}, RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "c"}, Subjects: sa("ns")}},
		}, policy.Agent, "ClusterRole c"},
		{"a wildcard grant says nothing about the pod", audit.RBAC{Roles: role(rbacv1.PolicyRule{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}), RoleBindings: bindRole}, policy.None, ""},
		{"reading sandboxes is not starting them", audit.RBAC{Roles: role(rbacv1.PolicyRule{APIGroups: claims.APIGroups, Resources: claims.Resources, Verbs: []string{"get", "list", "watch"}}), RoleBindings: bindRole}, policy.None, ""},
		{"another group's sandboxclaims", audit.RBAC{Roles: role(rbacv1.PolicyRule{APIGroups: []string{"example.com"}, Resources: claims.Resources, Verbs: claims.Verbs}), RoleBindings: bindRole}, policy.None, ""},
		{"bound to another ServiceAccount", audit.RBAC{Roles: role(claims), RoleBindings: []rbacv1.RoleBinding{{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "b"}, RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "r"}, Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "other"}}}}}, policy.None, ""},
		{"bound in another namespace", audit.RBAC{Roles: role(claims), RoleBindings: bindRole[:0]}, policy.None, ""},
		{"bound to the namespace's ServiceAccounts group", audit.RBAC{Roles: role(claims), RoleBindings: []rbacv1.RoleBinding{{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "b"}, RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "r"}, Subjects: []rbacv1.Subject{{Kind: rbacv1.GroupKind, Name: "system:serviceaccounts:ns"}}}}}, policy.Agent, "Role r"},
		{"a wildcard group with the resource named", audit.RBAC{Roles: role(rbacv1.PolicyRule{APIGroups: []string{"*"}, Resources: []string{"sandboxclaims"}, Verbs: []string{"create"}}), RoleBindings: bindRole}, policy.Agent, "create sandboxclaims"},
		{"a resource of the other agent-sandbox group", audit.RBAC{Roles: role(rbacv1.PolicyRule{APIGroups: []string{"agents.x-k8s.io"}, Resources: []string{"sandboxclaims"}, Verbs: []string{"create"}}), RoleBindings: bindRole}, policy.None, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := pod("Deployment", "svc", nil, ctr("registry.example.com/svc:1"))
			w.Templates[0].Spec.ServiceAccountName = "dispatcher"
			rb := tt.rbac
			r := classifyOne(t, policy.Default(), &audit.Inventory{Workloads: []audit.Workload{w}, RBAC: &rb})
			ev := strings.Join(audit.Texts(r.Evidence), "; ")
			if r.Type != tt.want || !strings.Contains(ev, tt.proof) {
				t.Fatalf("got %s, want %s with %q; evidence: %s", r.Type, tt.want, tt.proof, ev)
			}
		})
	}
}
