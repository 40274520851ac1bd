//go:build integration

package cmd

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/kinds"
)

// TestLiveFixThroughCustomResources: the pods of a RayCluster (its head
// and a worker group) and of a Sandbox are fixed through the resource as
// read from the cluster, every template at once, never through the pods;
// the audit lists each pod under its resource; a second apply has
// nothing left to do.
func TestLiveFixThroughCustomResources(t *testing.T) {
	seedExample(t) // its nodes run the pods
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := seed.Files(ctx, cl.Config, "testdata/fix-live-custom.yaml"); err != nil {
		t.Fatal(err)
	}
	const ns = "fix-custom"
	dyn := dynamic.NewForConfigOrDie(cl.Config)
	kube := kubernetes.NewForConfigOrDie(cl.Config)
	// The pods their operators would make, from their templates.
	for _, p := range []struct {
		kind      *kinds.Kind
		name, pod string
		path      []string
		labels    map[string]string
	}{
		{kinds.RayCluster, "ray-llm", "ray-llm-head", []string{"spec", "headGroupSpec", "template"}, map[string]string{"ray.io/cluster": "ray-llm", "ray.io/node-type": "head"}},
		{kinds.RayCluster, "ray-llm", "ray-llm-worker-0", nil, map[string]string{"ray.io/cluster": "ray-llm", "ray.io/node-type": "worker"}},
		{kinds.Sandbox, "py", "py", []string{"spec", "podTemplate"}, nil},
	} {
		owner, err := dyn.Resource(p.kind.GVR()).Namespace(ns).Get(ctx, p.name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var tmpl map[string]any
		if p.path != nil {
			tmpl, _, _ = unstructured.NestedMap(owner.Object, p.path...)
		} else {
			groups, _, _ := unstructured.NestedSlice(owner.Object, "spec", "workerGroupSpecs")
			tmpl, _, _ = unstructured.NestedMap(groups[0].(map[string]any), "template")
		}
		var pt corev1.PodTemplateSpec
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(tmpl, &pt); err != nil {
			t.Fatal(err)
		}
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: p.pod, Namespace: ns, Labels: p.labels, OwnerReferences: []metav1.OwnerReference{{
			APIVersion: p.kind.APIVersion(), Kind: p.kind.Kind, Name: p.name, UID: owner.GetUID(), Controller: ptr.To(true),
		}}}, Spec: pt.Spec}
		if _, err := kube.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	if err := seed.WaitForPodsIn(ctx, cl.Config, ns, 3, 90*time.Second); err != nil {
		t.Fatal(err)
	}

	out, errOut, code := run(t, "", "audit", "--kubeconfig", cl.Kubeconfig, "-n", ns, "-o", "wide")
	if code == 2 || !strings.Contains(out, "RayCluster/ray-llm ") || !strings.Contains(out, "└ Pod/ray-llm-worker-0") || !strings.Contains(out, "2 pods") || !strings.Contains(out, "└ Pod/py ") {
		t.Fatalf("audit: exit %d, %s\n%s", code, errOut, out)
	}

	fix := func(args ...string) (string, string, int) {
		t.Helper()
		return run(t, "", append([]string{"fix", "--kubeconfig", cl.Kubeconfig, "-n", ns}, args...)...)
	}
	out, errOut, code = fix("-o", "json")
	if code != 0 {
		t.Fatalf("fix -o json: exit %d: %s", code, errOut)
	}
	var plan struct {
		Fixes []struct {
			Target struct{ Kind, Name string }
		}
		Changes []struct {
			Target    struct{ Kind, Name string }
			PatchType string
		}
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatal(err)
	}
	targets := map[string]bool{}
	for _, c := range plan.Changes {
		targets[c.Target.Kind+"/"+c.Target.Name] = true
		if c.Target.Kind == "Pod" || c.PatchType != "application/json-patch+json" {
			t.Errorf("a change of %s/%s (%s), want JSON patches of the resources", c.Target.Kind, c.Target.Name, c.PatchType)
		}
	}
	if !targets["RayCluster/ray-llm"] || !targets["Sandbox/py"] {
		t.Fatalf("changes target %v, want the RayCluster and the Sandbox", targets)
	}

	out, errOut, code = fix("--apply", "--yes")
	if code != 0 || !strings.Contains(out, "applied RayCluster/"+ns+"/ray-llm") || !strings.Contains(out, "applied Sandbox/"+ns+"/py") {
		t.Fatalf("apply: exit %d, %s\n%s", code, errOut, out)
	}
	rc, err := dyn.Resource(kinds.RayCluster.GVR()).Namespace(ns).Get(ctx, "ray-llm", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	groups, _, _ := unstructured.NestedSlice(rc.Object, "spec", "workerGroupSpecs")
	for what, spec := range map[string]map[string]any{
		"head":   nested(rc.Object, "spec", "headGroupSpec", "template", "spec"),
		"worker": nested(groups[0].(map[string]any), "template", "spec"),
	} {
		if off, found, _ := unstructured.NestedBool(spec, "automountServiceAccountToken"); !found || off {
			t.Errorf("%s: automountServiceAccountToken not set to false", what)
		}
		if nonRoot, found, _ := unstructured.NestedBool(spec, "securityContext", "runAsNonRoot"); !found || !nonRoot {
			t.Errorf("%s: runAsNonRoot not set", what)
		}
	}
	out, errOut, code = fix("--apply", "--yes")
	if code != 0 || !strings.Contains(out, "nothing to apply") {
		t.Errorf("second apply: exit %d, %s\n%s", code, errOut, out)
	}
}

// nested is the map at path in obj (nil when there is none).
func nested(obj map[string]any, path ...string) map[string]any {
	m, _, _ := unstructured.NestedMap(obj, path...)
	return m
}
