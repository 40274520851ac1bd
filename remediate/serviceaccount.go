package remediate

import (
	"cmp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/kinds"
)

// saFix is a ServiceAccount whose token every user mounts only because the
// ServiceAccount allows it: setting automountServiceAccountToken: false
// there fixes them all at once.
type saFix struct {
	sa       *corev1.ServiceAccount
	resolves []audit.Finding
	users    []string
}

// tokenAccounts finds the ServiceAccounts to fix instead of their pods'
// templates. Only a live audit that saw every pod of the namespace can
// know every user of a ServiceAccount (files hold a part of a cluster, a
// label selector leaves pods out); a ServiceAccount qualifies when it is
// not "default" and each pod template that takes its token from it has a
// token finding the user chose to fix.
func (p *planner) tokenAccounts(rep *audit.Report, sel func(*audit.Result, *audit.Finding) bool) map[string]*saFix {
	inv := p.inv
	if inv.Offline || inv.FilteredOut > 0 || inv.ServiceAccountsHidden {
		return nil
	}
	chosen := map[pathOf]bool{}
	for i := range rep.Workloads {
		r := &rep.Workloads[i]
		for j := range r.Findings {
			f := &r.Findings[j]
			if f.Rule == audit.RuleTokenAutomount && (sel == nil || sel(r, f)) {
				chosen[pathOf{keyOf(r.APIVersion, r.Kind, r.Namespace, r.Name), f.Path}] = true
			}
		}
	}
	accounts := map[string]*corev1.ServiceAccount{}
	for i := range inv.ServiceAccounts {
		sa := &inv.ServiceAccounts[i]
		accounts[sa.Namespace+"/"+sa.Name] = sa
	}
	out := map[string]*saFix{}
	blocked := map[string]bool{}
	for i := range inv.Workloads {
		w := &inv.Workloads[i]
		for _, t := range w.Templates {
			if t.Spec == nil || t.Spec.AutomountServiceAccountToken != nil {
				continue // the pod decides for itself
			}
			key := w.Namespace + "/" + accountOf(t.Spec)
			sa := accounts[key]
			if sa == nil || sa.Name == "default" || blocked[key] {
				continue
			}
			if !chosen[pathOf{keyOf(w.APIVersion, w.Kind, w.Namespace, w.Name), t.SpecPath + ".automountServiceAccountToken"}] {
				blocked[key] = true // a user that keeps its token, or is not being fixed
				delete(out, key)
				continue
			}
			if out[key] == nil {
				out[key] = &saFix{sa: sa}
			}
		}
	}
	return out
}

// accountOf is the ServiceAccount a pod spec runs as.
func accountOf(spec *corev1.PodSpec) string {
	// serviceAccount is the deprecated spelling the API still accepts.
	return cmp.Or(spec.ServiceAccountName, spec.DeprecatedServiceAccount, "default")
}

// tokenAccount returns the ServiceAccount fix that covers a template's
// token finding, or nil when the template is patched itself.
func (p *planner) tokenAccount(w *audit.Workload, spec *corev1.PodSpec) *saFix {
	if spec.AutomountServiceAccountToken != nil {
		return nil
	}
	return p.accounts[w.Namespace+"/"+accountOf(spec)]
}

// accountFixes turns the ServiceAccount fixes into fixes and changes, in
// name order.
func (p *planner) accountFixes() {
	keys := make([]string, 0, len(p.accounts))
	for k, a := range p.accounts {
		if len(a.resolves) > 0 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		a := p.accounts[k]
		t := targetOf(kinds.ServiceAccount, a.sa.Namespace, a.sa.Name)
		patch := []byte(`{"automountServiceAccountToken":false}`)
		f := Fix{Kind: KindToken, Target: t, Workload: "ServiceAccount/" + k, Patch: patch, PatchType: types.StrategicMergePatchType,
			Plan:     "Set automountServiceAccountToken: false on ServiceAccount " + a.sa.Name + ", which every pod that mounts its token takes it from (" + strings.Join(a.users, ", ") + ").",
			Warnings: []string{"a pod of these workloads that calls the Kubernetes API needs a projected token volume with the audience and lifetime it needs instead"}}
		for _, x := range a.resolves {
			f.Resolves = append(f.Resolves, Resolved{Rule: x.Rule, Container: x.Container, Path: x.Path})
		}
		p.out.Fixes = append(p.out.Fixes, f)
		p.out.Changes = append(p.out.Changes, Change{Target: t, Patch: patch, PatchType: types.StrategicMergePatchType})
	}
}

// withoutToken is the ServiceAccounts with those the fixes change changed,
// for the re-audit.
func (p *planner) withoutToken() []corev1.ServiceAccount {
	out := slices.Clone(p.inv.ServiceAccounts)
	for i := range out {
		if p.accounts[out[i].Namespace+"/"+out[i].Name] != nil {
			off := false
			out[i].AutomountServiceAccountToken = &off
		}
	}
	return out
}

// pathOf is a field of one workload: its key and a finding's path.
type pathOf struct {
	workload audit.OwnerKey
	path     string
}
