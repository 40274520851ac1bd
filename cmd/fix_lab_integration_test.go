//go:build integration

package cmd

import (
	"context"
	"regexp"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/tiergate/tiergate/applier"
	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/remediate"
)

// TestLiveFixAgentsAsTheREADMESays runs the README's
// "kubectl tiergate fix -n agents --apply" on the example's agents
// namespace seeded as the lab seeds it, where the seeding's field manager
// owns every field it set: the conflicts are listed field → manager and y
// applies nothing conflicting; o takes ownership and applies; a second
// run has nothing to apply.
func TestLiveFixAgentsAsTheREADMESays(t *testing.T) {
	seedExample(t)
	ctx := context.Background()
	kube := kubernetes.NewForConfigOrDie(cl.Config)
	var outs []string
	t.Cleanup(func() { restoreExample(t, outs) })
	fix := func(stdin string, args ...string) (string, string, int) {
		t.Helper()
		out, errOut, code := run(t, stdin, append([]string{"fix", "--kubeconfig", cl.Kubeconfig, "-n", "agents"}, args...)...)
		outs = append(outs, out)
		return out, errOut, code
	}
	runtimeClass := func(name string) string {
		t.Helper()
		d, err := kube.AppsV1().Deployments("agents").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Spec.Template.Spec.RuntimeClassName == nil {
			return ""
		}
		return *d.Spec.Template.Spec.RuntimeClassName
	}

	// y: the changes without conflicts; browser-agent's runtimeClassName,
	// the seeding's, is listed and left. (The class chosen depends on the
	// RuntimeClasses and nodes other tests added.)
	out, errOut, code := fix("y\n", "--apply")
	conflict := "#     .spec.template.spec.runtimeClassName → " + seed.FieldManager + "\n"
	chosen := regexp.MustCompile(`# Deployment/agents/browser-agent: Set runtimeClassName to ([\w.-]+) `).FindStringSubmatch(out)
	if chosen == nil {
		t.Fatalf("first run: no runtime fix of browser-agent:\n%s\n%s", out, errOut)
	}
	class := chosen[1]
	for _, want := range []string{
		"#   CONFLICT: fields another manager owns; the diff below is what taking ownership of them would do:\n" + conflict,
		"+      runtimeClassName: " + class,
		"not applied Deployment/agents/browser-agent: .spec.template.spec.runtimeClassName → " + seed.FieldManager,
		"applied Deployment/agents/research-agent\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("first run: stdout lacks %q", want)
		}
	}
	if !strings.Contains(errOut, "  o  all ") || !strings.Contains(errOut, "from "+seed.FieldManager+" (what --force-conflicts does)") || code != ExitFindings {
		t.Errorf("first run: exit %d; the question does not offer ownership:\n%s", code, errOut)
	}
	if t.Failed() {
		t.Fatalf("first run:\n%s\n%s", out, errOut)
	}
	if rc := runtimeClass("browser-agent"); rc != "kata-dragonball" {
		t.Fatalf("a conflicting change was applied: browser-agent runs %q", rc)
	}
	if rc := runtimeClass("research-agent"); rc != class {
		t.Fatalf("research-agent runs %q after the first run, want %q", rc, class)
	}
	// Its egress policy, read back from the API server: DNS and the egress
	// proxy it reaches OpenAI and the web through (HTTPS_PROXY), on the
	// proxy pods' port, in the proxy's namespace; the agent is not cut
	// off its model.
	np, err := kube.NetworkingV1().NetworkPolicies("agents").Get(ctx, "research-agent-egress", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the research agent's egress policy: %v", err)
	}
	if n := len(np.Spec.Egress); n != 2 {
		t.Fatalf("%d egress rules, want DNS and the proxy: %+v", n, np.Spec.Egress)
	}
	proxy := np.Spec.Egress[1]
	if len(proxy.To) != 1 || proxy.To[0].NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] != "platform" ||
		proxy.To[0].PodSelector.MatchLabels["app.kubernetes.io/name"] != "egress-proxy" || proxy.Ports[0].Port.IntValue() != 3128 {
		t.Errorf("the proxy rule: %+v", proxy)
	}
	// It selects the proxy's pods as they run.
	pods, err := kube.CoreV1().Pods("platform").List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=egress-proxy"})
	if err != nil || len(pods.Items) == 0 {
		t.Errorf("the rule selects no running proxy pod: %v", err)
	}

	// o: ownership taken, applied; the seeding no longer owns the field.
	out, errOut, code = fix("o\n", "--apply")
	if code != 0 || !strings.Contains(out, conflict) || !strings.Contains(out, "applied Deployment/agents/browser-agent, taking ownership of the fields listed above") {
		t.Fatalf("second run: exit %d\n%s\n%s", code, out, errOut)
	}
	if rc := runtimeClass("browser-agent"); rc != class {
		t.Fatalf("browser-agent runs %q after taking ownership", rc)
	}
	d, err := kube.AppsV1().Deployments("agents").Get(ctx, "browser-agent", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range d.ManagedFields {
		owns := m.FieldsV1 != nil && strings.Contains(m.FieldsV1.GetRawString(), `"f:runtimeClassName"`)
		if owns != (m.Manager == applier.FieldManager) {
			t.Errorf("manager %s owns runtimeClassName: %v", m.Manager, owns)
		}
	}

	// Again: nothing left to apply, nothing asked.
	out, errOut, code = fix("", "--apply")
	if code != 0 || !strings.Contains(out, "nothing to apply") || regexp.MustCompile(`(?m)^applied `).MatchString(out) || strings.Contains(errOut, "Apply") {
		t.Errorf("third run: exit %d\n%s\n%s", code, out, errOut)
	}
}

// TestLiveFixGitOpsManagedObjects: objects Argo CD and Flux apply (as
// they do: server-side, their field managers and marks) are noted in the
// script and in --apply, and their fields are conflicts with the tools;
// --yes leaves them, --force-conflicts takes them.
func TestLiveFixGitOpsManagedObjects(t *testing.T) {
	seedExample(t)
	ctx := context.Background()
	dyn := dynamic.NewForConfigOrDie(cl.Config)
	objs, err := manifest.Read([]string{"testdata/fix-gitops.yaml"}, nil, manifest.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	managers := map[string]string{"fix-gitops": "argocd-controller", "argo-agent": "argocd-controller", "flux-agent": "kustomize-controller"}
	quiet := rest.CopyConfig(cl.Config)
	quiet.WarningHandler = rest.NoWarnings{}
	qdyn := dynamic.NewForConfigOrDie(quiet)
	for _, o := range objs {
		u := o.Unstructured
		gvr := schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
		var ri dynamic.ResourceInterface = qdyn.Resource(gvr)
		if u.GetKind() == "Deployment" {
			ri = qdyn.Resource(schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}).Namespace(u.GetNamespace())
		}
		if _, err := ri.Apply(ctx, u.GetName(), u, metav1.ApplyOptions{FieldManager: managers[u.GetName()], Force: true}); err != nil {
			t.Fatal(err)
		}
	}
	fix := func(args ...string) (string, string, int) {
		t.Helper()
		return run(t, "", append([]string{"fix", "--kubeconfig", cl.Kubeconfig, "-n", "fix-gitops", "--rule", "TG-ISO-*"}, args...)...)
	}
	argo := "managed by Argo CD (annotation argocd.argoproj.io/tracking-id=agents:apps/Deployment:fix-gitops/argo-agent): a live change to the fields it declares is set back at its next sync"
	flux := "managed by Flux (label kustomize.toolkit.fluxcd.io/name=apps): a live change to the fields it declares is set back at its next reconciliation"

	out, errOut, code := fix()
	if code != 0 || !strings.Contains(out, "# NOTE Deployment/fix-gitops/argo-agent: "+argo) || !strings.Contains(out, "# NOTE Deployment/fix-gitops/flux-agent: "+flux) {
		t.Errorf("script: exit %d %s\n%s", code, errOut, out)
	}
	shellCheck(t, out)

	out, errOut, code = fix("--apply", "--yes")
	for _, want := range []string{
		"#   NOTE: " + argo, "#   NOTE: " + flux,
		"#     .spec.template.spec.runtimeClassName → argocd-controller\n",
		"#     .spec.template.spec.runtimeClassName → kustomize-controller\n",
		"not applied Deployment/fix-gitops/argo-agent: .spec.template.spec.runtimeClassName → argocd-controller",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--apply --yes lacks %q", want)
		}
	}
	if code != ExitFindings || !strings.Contains(errOut, "2 of 2 changes not applied") || t.Failed() {
		t.Fatalf("--apply --yes: exit %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = fix("--apply", "--yes", "--force-conflicts")
	if code != 0 || !strings.Contains(out, "applied Deployment/fix-gitops/argo-agent, taking ownership") || !strings.Contains(out, "applied Deployment/fix-gitops/flux-agent, taking ownership") {
		t.Errorf("--force-conflicts: exit %d\n%s\n%s", code, out, errOut)
	}
	live, err := dyn.Resource(schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}).Namespace("fix-gitops").Get(ctx, "argo-agent", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rc, _, _ := unstructured.NestedString(live.Object, "spec", "template", "spec", "runtimeClassName"); rc == "gvisor" {
		t.Errorf("argo-agent still runs %q after --force-conflicts", rc)
	}
}

// restoreExample undoes what a test applied to the example's objects, so
// that the tests after it audit the example as seeded: what tiergate
// created is deleted, the fields it took are released (an apply of
// nothing as its field manager) and the example is seeded again, which
// sets the released fields back.
func restoreExample(t *testing.T, outs []string) {
	t.Helper()
	ctx := context.Background()
	// Releasing the hardening makes templates violate Pod Security again:
	// the server says so, and that is expected here.
	quiet := rest.CopyConfig(cl.Config)
	quiet.WarningHandler = rest.NoWarnings{}
	dyn := dynamic.NewForConfigOrDie(quiet)
	line := regexp.MustCompile(`(?m)^(applied|created) (\w+)/([\w.-]+)/([\w.-]+)`)
	for _, out := range outs {
		for _, m := range line.FindAllStringSubmatch(out, -1) {
			target := remediate.Target{Kind: m[2], Namespace: m[3], Name: m[4]}
			gvr, ok := map[string]schema.GroupVersionResource{
				"Deployment":     {Group: "apps", Version: "v1", Resource: "deployments"},
				"StatefulSet":    {Group: "apps", Version: "v1", Resource: "statefulsets"},
				"ServiceAccount": {Version: "v1", Resource: "serviceaccounts"},
				"NetworkPolicy":  {Group: "networking.k8s.io", Version: "v1", Resource: "networkpolicies"},
			}[target.Kind]
			if !ok {
				t.Errorf("restore: %s is not a kind the test restores", target)
				continue
			}
			ri := dyn.Resource(gvr).Namespace(target.Namespace)
			if m[1] == "created" {
				if err := ri.Delete(ctx, target.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
					t.Errorf("restore: %v", err)
				}
				continue
			}
			empty := &unstructured.Unstructured{}
			empty.SetAPIVersion(gvr.GroupVersion().String())
			empty.SetKind(target.Kind)
			empty.SetName(target.Name)
			empty.SetNamespace(target.Namespace)
			if _, err := ri.Apply(ctx, target.Name, empty, metav1.ApplyOptions{FieldManager: applier.FieldManager, Force: true}); err != nil {
				t.Errorf("restore %s: %v", target, err)
			}
		}
	}
	if _, err := seed.Files(ctx, cl.Config, example); err != nil {
		t.Errorf("restore: %v", err)
	}
}
