package applier

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDetectGitOps(t *testing.T) {
	managers := func(names ...string) []metav1.ManagedFieldsEntry {
		var out []metav1.ManagedFieldsEntry
		for _, n := range names {
			out = append(out, metav1.ManagedFieldsEntry{Manager: n, Operation: metav1.ManagedFieldsOperationApply})
		}
		return out
	}
	for _, tt := range []struct {
		name                string
		labels, annotations map[string]string
		managers            []metav1.ManagedFieldsEntry
		tool, evidence      string
	}{
		{name: "plain kubectl", managers: managers("kubectl-client-side-apply", "kube-controller-manager")},
		{name: "tiergate's own seeding", managers: managers("tiergate-seed", "tiergate")},
		{name: "Helm's default instance label proves nothing", labels: map[string]string{"app.kubernetes.io/instance": "shop"}},
		{name: "managed-by another tool", labels: map[string]string{"app.kubernetes.io/managed-by": "kustomize"}},
		{name: "Argo CD tracking annotation", annotations: map[string]string{"argocd.argoproj.io/tracking-id": "shop:apps/Deployment:agents/research-agent"},
			tool: "Argo CD", evidence: "annotation argocd.argoproj.io/tracking-id=shop:apps/Deployment:agents/research-agent"},
		{name: "Argo CD instance label", labels: map[string]string{"argocd.argoproj.io/instance": "shop"}, tool: "Argo CD", evidence: "label argocd.argoproj.io/instance=shop"},
		{name: "Argo CD server-side apply", managers: managers("kube-controller-manager", "argocd-controller"), tool: "Argo CD", evidence: "field manager argocd-controller"},
		{name: "Argo CD client-side apply", managers: managers("argocd-application-controller"), tool: "Argo CD", evidence: "field manager argocd-application-controller"},
		{name: "a chart Argo CD renders is Argo CD's", labels: map[string]string{"app.kubernetes.io/managed-by": "Helm"}, managers: managers("argocd-application-controller"),
			tool: "Argo CD", evidence: "field manager argocd-application-controller"},
		{name: "Flux Kustomization", labels: map[string]string{"kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system"},
			tool: "Flux", evidence: "label kustomize.toolkit.fluxcd.io/name=apps"},
		{name: "Flux HelmRelease carries Helm's marks too", labels: map[string]string{"helm.toolkit.fluxcd.io/name": "vllm", "app.kubernetes.io/managed-by": "Helm"},
			annotations: map[string]string{"meta.helm.sh/release-name": "vllm"}, tool: "Flux", evidence: "label helm.toolkit.fluxcd.io/name=vllm"},
		{name: "kustomize-controller as manager", managers: managers("kustomize-controller"), tool: "Flux", evidence: "field manager kustomize-controller"},
		{name: "helm-controller as manager", managers: managers("helm-controller"), tool: "Flux", evidence: "field manager helm-controller"},
		{name: "Helm label", labels: map[string]string{"app.kubernetes.io/managed-by": "Helm"}, tool: "Helm", evidence: "label app.kubernetes.io/managed-by=Helm"},
		{name: "Helm release annotation", annotations: map[string]string{"meta.helm.sh/release-name": "vllm", "meta.helm.sh/release-namespace": "llm"},
			tool: "Helm", evidence: "annotation meta.helm.sh/release-name=vllm"},
		{name: "helm as manager", managers: managers("helm"), tool: "Helm", evidence: "field manager helm"},
		{name: "a long, hostile value is cut and printable", annotations: map[string]string{"argocd.argoproj.io/tracking-id": "x\x1b[31m" + strings.Repeat("a", 100)},
			tool: "Argo CD", evidence: "annotation argocd.argoproj.io/tracking-id=x?[31m" + strings.Repeat("a", 53) + "…"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			obj := &metav1.ObjectMeta{Labels: tt.labels, Annotations: tt.annotations, ManagedFields: tt.managers}
			g := DetectGitOps(obj)
			switch {
			case tt.tool == "" && g != nil:
				t.Errorf("detected %+v", g)
			case tt.tool == "":
			case g == nil:
				t.Errorf("not detected, want %s", tt.tool)
			case g.Tool != tt.tool || g.Evidence != tt.evidence:
				t.Errorf("%s by %q, want %s by %q", g.Tool, g.Evidence, tt.tool, tt.evidence)
			case !strings.Contains(g.Note(), "managed by "+tt.tool) || !strings.Contains(g.Note(), "-o kustomize"):
				t.Errorf("note %q", g.Note())
			}
		})
	}
	if DetectGitOps(nil) != nil {
		t.Error("nil object detected")
	}
}
