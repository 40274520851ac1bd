//go:build integration

package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/applier"
	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/policy"
	"github.com/tiergate/tiergate/remediate"
)

const fixLive = "testdata/fix-live.yaml"

// TestLiveFixApply applies fixes to a real control plane with the
// controllers and the scheduler running: the dry run shows a diff without
// secret values, a second apply for other rules keeps what the first set,
// a field another manager owns is reported as a conflict (and taken with
// --force-conflicts), the Deployments roll out pods that re-audit clean,
// and applying again changes nothing.
func TestLiveFixApply(t *testing.T) {
	seedExample(t)
	ctx := context.Background()
	if _, err := seed.Files(ctx, cl.Config, fixLive); err != nil {
		t.Fatal(err)
	}
	kube := kubernetes.NewForConfigOrDie(cl.Config)
	fix := func(args ...string) (string, string, int) {
		t.Helper()
		return run(t, "", append([]string{"fix", "--kubeconfig", cl.Kubeconfig, "-n", "fix-agents"}, args...)...)
	}

	// The script names the context and patches owners, not pods.
	out, errOut, code := fix()
	if code != 0 || !strings.Contains(out, "kubectl --kubeconfig "+cl.Kubeconfig+" --context ") || !strings.Contains(out, "patch deployment/planner-agent --namespace=fix-agents") {
		t.Fatalf("fix script: exit %d, %s\n%s", code, errOut, out)
	}
	shellCheck(t, out)

	// First only the token, then everything else: the second apply must
	// not drop what the first set.
	out, errOut, code = fix("--rule", "TG-IDN-001", "-l", "app=planner-agent", "--apply", "--yes")
	if code != 0 || !strings.Contains(out, "applied Deployment/fix-agents/planner-agent") {
		t.Fatalf("apply token fix: exit %d, %s\n%s", code, errOut, out)
	}
	out, errOut, code = fix("-l", "app=planner-agent", "--apply", "--yes")
	if code != 0 {
		t.Fatalf("apply the rest: exit %d, %s\n%s", code, errOut, out)
	}
	for _, want := range []string{
		"+++ after tiergate fix Deployment/fix-agents/planner-agent",
		"+      runtimeClassName: fix-kata-qemu",
		"created NetworkPolicy/fix-agents/planner-agent-egress",
		"applied Deployment/fix-agents/planner-agent",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "dry run failed") || strings.Contains(out, "sk-live-do-not-print") {
		t.Errorf("a dry run failed or an env value was shown:\n%s", out)
	}
	d, err := kube.AppsV1().Deployments("fix-agents").Get(ctx, "planner-agent", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a := d.Spec.Template.Spec.AutomountServiceAccountToken; a == nil || *a {
		t.Errorf("the second apply undid the first: automountServiceAccountToken is %v", a)
	}

	// triage-agent names a RuntimeClass that does not exist (its pods are
	// refused at admission); the fix names one that exists, but the seed's
	// field manager owns runtimeClassName: reported, not forced, exit 1.
	out, errOut, code = fix("-l", "app=triage-agent", "--apply", "--yes")
	if code != ExitFindings || !strings.Contains(out, "not applied Deployment/fix-agents/triage-agent: .spec.template.spec.runtimeClassName → "+seed.FieldManager) || !strings.Contains(errOut, "1 of 2 changes not applied") {
		t.Errorf("conflict: exit %d, %s\n%s", code, errOut, out)
	}
	d, err = kube.AppsV1().Deployments("fix-agents").Get(ctx, "triage-agent", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rc := d.Spec.Template.Spec.RuntimeClassName; rc == nil || *rc != "kata-missing" {
		t.Errorf("a conflicting apply changed triage-agent: runtimeClassName %v", rc)
	}
	out, errOut, code = fix("-l", "app=triage-agent", "--apply", "--yes", "--force-conflicts")
	if code != 0 || !strings.Contains(out, "applied Deployment/fix-agents/triage-agent, taking ownership") {
		t.Errorf("--force-conflicts: exit %d, %s\n%s", code, errOut, out)
	}

	// The rollout: new pods (on the node with the handler) re-audit clean.
	deadline := time.Now().Add(90 * time.Second)
	for {
		clean, why := auditsClean(t, "planner-agent", "triage-agent")
		if clean {
			break
		}
		if time.Now().After(deadline) {
			nps, err := kube.NetworkingV1().NetworkPolicies("fix-agents").List(ctx, metav1.ListOptions{})
			var names []string
			if err == nil {
				for _, np := range nps.Items {
					names = append(names, fmt.Sprintf("%s %+v %v", np.Name, np.Spec.PodSelector, np.Spec.PolicyTypes))
				}
				pods, _ := kube.CoreV1().Pods("fix-agents").List(ctx, metav1.ListOptions{})
				for _, p := range pods.Items {
					names = append(names, fmt.Sprintf("pod %s %v %s", p.Name, p.Labels, p.Status.Phase))
				}
			}
			t.Fatalf("the fixed Deployments did not roll out clean pods: %s (NetworkPolicies in fix-agents: %v %v)", why, names, err)
		}
		time.Sleep(time.Second)
	}

	// Applying again changes nothing.
	out, errOut, code = fix("--apply", "--yes")
	if code != 0 || !strings.Contains(out, "nothing to apply") || strings.Contains(out, "applied") {
		t.Errorf("second apply: exit %d, %s\n%s", code, errOut, out)
	}
}

// auditsClean audits fix-agents live and reports whether every pod of the
// named Deployments has no finding, and there is at least one of each.
func auditsClean(t *testing.T, deployments ...string) (bool, string) {
	t.Helper()
	out, errOut, code := run(t, "", "audit", "--kubeconfig", cl.Kubeconfig, "-n", "fix-agents", "-o", "json")
	if code != 0 {
		return false, errOut
	}
	var doc struct {
		Workloads []struct {
			Kind, Name string
			RootOwner  *struct{ Kind, Name string } `json:"rootOwner"`
			Findings   []struct{ Rule, Message string }
		} `json:"workloads"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	pods := map[string]int{}
	for _, w := range doc.Workloads {
		if w.Kind != "Pod" || w.RootOwner == nil {
			continue
		}
		for _, d := range deployments {
			if w.RootOwner.Name != d {
				continue
			}
			if len(w.Findings) > 0 {
				return false, w.Name + ": " + w.Findings[0].Rule + " " + w.Findings[0].Message
			}
			pods[d]++
		}
	}
	for _, d := range deployments {
		if pods[d] == 0 {
			return false, "no pod of " + d
		}
	}
	return true, ""
}

// TestLiveJSONPatchOfACustomResource sends the JSON patch computed for the
// example's LeaderWorkerSet (offline) to the real apiserver, which serves
// it under a stand-in definition: the dry run diffs, the patch lands, and
// a patch computed from an older object fails its container-name test.
func TestLiveJSONPatchOfACustomResource(t *testing.T) {
	seedExample(t)
	ctx := context.Background()
	o := NewFixOptions(genericiooptions.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}, genericclioptions.NewConfigFlags(true))
	o.Filenames = []string{example}
	o.Rules = []string{"TG-IDN-001"}
	inv, _, err := o.loadFiles(nil, io.Discard, false)
	if err != nil {
		t.Fatal(err)
	}
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	opts := audit.Options{Now: time.Now()}
	res, err := remediate.Compute(e, inv, e.Audit(inv, opts), remediate.Options{Audit: opts, Select: o.selects})
	if err != nil {
		t.Fatal(err)
	}
	items, _, err := applier.Items(res, remediate.HoldOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var lws *applier.Item
	for i := range items {
		if items[i].Target.Kind == "LeaderWorkerSet" {
			lws = &items[i]
		}
	}
	if lws == nil || lws.JSONPatch == nil {
		t.Fatalf("no JSON patch for the LeaderWorkerSet among %d items", len(items))
	}
	a := &applier.Applier{Client: dynamic.NewForConfigOrDie(cl.Config)}
	dry := a.DryRun(ctx, *lws)
	if dry.Err != nil || !dry.Changed || !strings.Contains(dry.Diff, "+        automountServiceAccountToken: false") {
		t.Fatalf("dry run: %v changed=%v\n%s", dry.Err, dry.Changed, dry.Diff)
	}
	if out := a.Apply(ctx, *lws); out.Err != nil {
		t.Fatalf("apply: %v", out.Err)
	}
	// The same patch again: adds are idempotent, so it applies unchanged.
	if again := a.DryRun(ctx, *lws); again.Err != nil || again.Changed {
		t.Errorf("second dry run: %v changed=%v", again.Err, again.Changed)
	}
	// A patch whose container test no longer holds fails, on the server.
	stale := *lws
	stale.JSONPatch = []byte(`[{"op":"test","path":"/spec/leaderWorkerTemplate/leaderTemplate/spec/containers/0/name","value":"renamed"},{"op":"add","path":"/spec/leaderWorkerTemplate/leaderTemplate/spec/hostname","value":"x"}]`)
	if out := a.DryRun(ctx, stale); out.Err == nil {
		t.Error("a JSON patch with a failing test was accepted")
	}
}

// TestLiveFixServiceAccountToken: two agents take their token from one
// ServiceAccount only because it allows it. A live fix of the whole
// namespace turns the token off on the ServiceAccount (server-side applied
// through its extracted fields), leaves the Deployments alone, and the
// pods re-audit without the finding; applying again changes nothing.
func TestLiveFixServiceAccountToken(t *testing.T) {
	seedExample(t)
	ctx := context.Background()
	if _, err := seed.Files(ctx, cl.Config, fixLive); err != nil {
		t.Fatal(err)
	}
	kube := kubernetes.NewForConfigOrDie(cl.Config)
	const ns = "fix-shared-sa"
	// The SA-level fix needs every user seen: wait for both pods.
	if err := seed.WaitForPodsIn(ctx, cl.Config, ns, 2, 90*time.Second); err != nil {
		t.Fatal(err)
	}
	fix := func(args ...string) (string, string, int) {
		t.Helper()
		return run(t, "", append([]string{"fix", "--kubeconfig", cl.Kubeconfig, "-n", ns, "--rule", "TG-IDN-001"}, args...)...)
	}
	out, errOut, code := fix("-o", "json")
	if code != 0 {
		t.Fatalf("fix -o json: exit %d: %s", code, errOut)
	}
	var plan struct {
		Fixes []struct{ Target struct{ Kind, Name string } }
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatal(err)
	}
	if len(plan.Fixes) != 1 || plan.Fixes[0].Target.Kind != "ServiceAccount" || plan.Fixes[0].Target.Name != "tool-runner" {
		t.Fatalf("want one fix of ServiceAccount tool-runner, got %+v", plan.Fixes)
	}

	out, errOut, code = fix("--apply", "--yes")
	if code != 0 || !strings.Contains(out, "+automountServiceAccountToken: false") || !strings.Contains(out, "applied ServiceAccount/"+ns+"/tool-runner") {
		t.Fatalf("apply: exit %d, %s\n%s", code, errOut, out)
	}
	sa, err := kube.CoreV1().ServiceAccounts(ns).Get(ctx, "tool-runner", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a := sa.AutomountServiceAccountToken; a == nil || *a {
		t.Errorf("ServiceAccount automountServiceAccountToken is %v after the apply", a)
	}
	for _, name := range []string{"search-agent", "browse-agent"} {
		d, err := kube.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Spec.Template.Spec.AutomountServiceAccountToken != nil {
			t.Errorf("%s's template was patched too", name)
		}
	}
	// The pods now take no token: the finding is gone, and so is the fix.
	out, errOut, code = run(t, "", "audit", "--kubeconfig", cl.Kubeconfig, "-n", ns, "-o", "json")
	if code > ExitFindings || strings.Contains(out, `"TG-IDN-001"`) {
		t.Errorf("re-audit: exit %d, %s; the token finding remains:\n%s", code, errOut, out)
	}
	out, errOut, code = fix("--apply", "--yes")
	if code != 0 || !strings.Contains(out, "nothing to apply") {
		t.Errorf("second apply: exit %d, %s\n%s", code, errOut, out)
	}
}

// TestLiveFixALeaderWorkerSetsPods: a LeaderWorkerSet shows in a live
// audit as the pods of the StatefulSets it owns. Its fix goes to the
// LeaderWorkerSet (read from the cluster, JSON patched, both templates),
// never to the StatefulSets its controller would revert; applying again
// changes nothing (the old pods' findings are fixed in the resource).
func TestLiveFixALeaderWorkerSetsPods(t *testing.T) {
	seedExample(t)
	ctx := context.Background()
	if _, err := seed.Files(ctx, cl.Config, fixLive); err != nil {
		t.Fatal(err)
	}
	const ns = "fix-lws"
	lwsRes := schema.GroupVersionResource{Group: "leaderworkerset.x-k8s.io", Version: "v1", Resource: "leaderworkersets"}
	dyn := dynamic.NewForConfigOrDie(cl.Config)
	lws, err := dyn.Resource(lwsRes).Namespace(ns).Get(ctx, "mini-llm", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The StatefulSets the LeaderWorkerSet controller would make: the
	// leaders' and group 0's workers, each with its template.
	kube := kubernetes.NewForConfigOrDie(cl.Config)
	for _, s := range []struct{ name, template, index string }{{"mini-llm", "leaderTemplate", "0"}, {"mini-llm-0", "workerTemplate", "1"}} {
		tmpl, _, _ := unstructured.NestedMap(lws.Object, "spec", "leaderWorkerTemplate", s.template)
		var pt corev1.PodTemplateSpec
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(tmpl, &pt); err != nil {
			t.Fatal(err)
		}
		pt.Labels["leaderworkerset.sigs.k8s.io/name"] = "mini-llm"
		pt.Labels["leaderworkerset.sigs.k8s.io/worker-index"] = s.index
		sts := &appsv1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Name: s.name, Namespace: ns, OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "leaderworkerset.x-k8s.io/v1", Kind: "LeaderWorkerSet", Name: "mini-llm", UID: lws.GetUID(), Controller: ptr.To(true),
			}}},
			Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](1), Selector: &metav1.LabelSelector{MatchLabels: pt.Labels}, Template: pt},
		}
		if _, err := kube.AppsV1().StatefulSets(ns).Create(ctx, sts, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	if err := seed.WaitForPodsIn(ctx, cl.Config, ns, 2, 90*time.Second); err != nil {
		t.Fatal(err)
	}

	fix := func(args ...string) (string, string, int) {
		t.Helper()
		return run(t, "", append([]string{"fix", "--kubeconfig", cl.Kubeconfig, "-n", ns}, args...)...)
	}
	out, errOut, code := fix("-o", "json")
	if code != 0 {
		t.Fatalf("fix -o json: exit %d: %s", code, errOut)
	}
	var plan struct {
		Fixes []struct {
			Workload string
			Target   struct{ Kind, Name string }
		}
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatal(err)
	}
	if len(plan.Fixes) == 0 {
		t.Fatal("no fixes for the LeaderWorkerSet's pods")
	}
	for _, f := range plan.Fixes {
		if f.Target.Kind == "StatefulSet" || f.Target.Kind == "Pod" || f.Workload != "LeaderWorkerSet/"+ns+"/mini-llm" {
			t.Errorf("a fix of %s targets %s/%s, want the LeaderWorkerSet", f.Workload, f.Target.Kind, f.Target.Name)
		}
	}

	out, errOut, code = fix("--apply", "--yes")
	if code != 0 || !strings.Contains(out, "applied LeaderWorkerSet/"+ns+"/mini-llm") {
		t.Fatalf("apply: exit %d, %s\n%s", code, errOut, out)
	}
	lws, err = dyn.Resource(lwsRes).Namespace(ns).Get(ctx, "mini-llm", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tmpl := range []string{"leaderTemplate", "workerTemplate"} {
		if off, found, _ := unstructured.NestedBool(lws.Object, "spec", "leaderWorkerTemplate", tmpl, "spec", "automountServiceAccountToken"); !found || off {
			t.Errorf("%s: automountServiceAccountToken not set to false", tmpl)
		}
		if nonRoot, found, _ := unstructured.NestedBool(lws.Object, "spec", "leaderWorkerTemplate", tmpl, "spec", "securityContext", "runAsNonRoot"); !found || !nonRoot {
			t.Errorf("%s: runAsNonRoot not set", tmpl)
		}
	}
	for _, name := range []string{"mini-llm", "mini-llm-0"} {
		sts, err := kube.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if sts.Spec.Template.Spec.AutomountServiceAccountToken != nil {
			t.Errorf("StatefulSet %s was patched", name)
		}
	}
	out, errOut, code = fix("--apply", "--yes")
	if code != 0 || !strings.Contains(out, "nothing to apply") {
		t.Errorf("second apply: exit %d, %s\n%s", code, errOut, out)
	}
}
