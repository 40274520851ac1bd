package audit

import (
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// RBAC is the input's roles and bindings: a pod whose ServiceAccount may
// create agent-sandbox objects starts sandboxes for agent sessions.
type RBAC struct {
	Roles               []rbacv1.Role
	ClusterRoles        []rbacv1.ClusterRole
	RoleBindings        []rbacv1.RoleBinding
	ClusterRoleBindings []rbacv1.ClusterRoleBinding
}

// sandboxResources are what an orchestrator of agent sandboxes creates
// (kubernetes-sigs/agent-sandbox), by API group.
var sandboxResources = map[string]string{
	"sandboxes":     "agents.x-k8s.io",
	"sandboxclaims": "extensions.agents.x-k8s.io",
}

// createsSandboxes says whether a rule lets its holder create sandboxes
// or sandbox claims. Only rules that name the resource count: a wildcard
// grant (cluster-admin) says nothing about what the pod is for.
func createsSandboxes(r rbacv1.PolicyRule) (string, bool) {
	if !slices.Contains(r.Verbs, "create") && !slices.Contains(r.Verbs, "*") {
		return "", false
	}
	for _, res := range r.Resources {
		if group, ok := sandboxResources[res]; ok && (slices.Contains(r.APIGroups, group) || slices.Contains(r.APIGroups, "*")) {
			return res, true
		}
	}
	return "", false
}

// sandboxGrants maps "namespace/serviceaccount" to the role (and the
// resource) that lets it create sandboxes.
func sandboxGrants(rb *RBAC) map[string]string {
	if rb == nil {
		return nil
	}
	grants := func(rules []rbacv1.PolicyRule) string {
		for _, r := range rules {
			if res, ok := createsSandboxes(r); ok {
				return res
			}
		}
		return ""
	}
	roles := map[string]string{} // "namespace/name" → resource
	for _, r := range rb.Roles {
		if res := grants(r.Rules); res != "" {
			roles[r.Namespace+"/"+r.Name] = res
		}
	}
	clusterRoles := map[string]string{}
	for _, r := range rb.ClusterRoles {
		if res := grants(r.Rules); res != "" {
			clusterRoles[r.Name] = res
		}
	}
	out := map[string]string{}
	bind := func(ns string, subjects []rbacv1.Subject, what, res string) {
		for _, s := range subjects {
			var key string
			switch {
			case s.Kind == rbacv1.ServiceAccountKind:
				sns := s.Namespace
				if sns == "" {
					sns = ns
				}
				key = sns + "/" + s.Name
			case s.Kind == rbacv1.GroupKind && s.Name == "system:serviceaccounts":
				key = "*/*" // every ServiceAccount
			case s.Kind == rbacv1.GroupKind && strings.HasPrefix(s.Name, "system:serviceaccounts:"):
				key = strings.TrimPrefix(s.Name, "system:serviceaccounts:") + "/*"
			default:
				continue
			}
			if out[key] == "" {
				out[key] = what + " (create " + res + ")"
			}
		}
	}
	for _, b := range rb.RoleBindings {
		switch b.RoleRef.Kind {
		case "Role":
			if res := roles[b.Namespace+"/"+b.RoleRef.Name]; res != "" {
				bind(b.Namespace, b.Subjects, "Role "+b.RoleRef.Name, res)
			}
		case "ClusterRole":
			if res := clusterRoles[b.RoleRef.Name]; res != "" {
				bind(b.Namespace, b.Subjects, "ClusterRole "+b.RoleRef.Name, res)
			}
		}
	}
	for _, b := range rb.ClusterRoleBindings {
		if res := clusterRoles[b.RoleRef.Name]; b.RoleRef.Kind == "ClusterRole" && res != "" {
			bind("", b.Subjects, "ClusterRole "+b.RoleRef.Name, res)
		}
	}
	return out
}

// sandboxGrantFor names the grant that lets a workload's pods create
// sandboxes, or "".
func (ix *index) sandboxGrantFor(w *Workload) string {
	if len(ix.sandboxGrants) == 0 {
		return ""
	}
	for i := range w.Templates {
		if s := w.Templates[i].Spec; s != nil {
			sa := s.ServiceAccountName
			if sa == "" {
				sa = "default"
			}
			for _, key := range []string{w.Namespace + "/" + sa, w.Namespace + "/*", "*/*"} {
				if g := ix.sandboxGrants[key]; g != "" {
					return "ServiceAccount " + sa + " may create agent sandboxes: " + g
				}
			}
		}
	}
	return ""
}

// SandboxRules keeps of a role's rules those that let it create agent
// sandboxes: a live cache needs no more of the cluster's roles.
func SandboxRules(rules []rbacv1.PolicyRule) []rbacv1.PolicyRule {
	var out []rbacv1.PolicyRule
	for _, r := range rules {
		if _, ok := createsSandboxes(r); ok {
			out = append(out, r)
		}
	}
	return out
}
