//go:build integration

package seed_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/tiergate/tiergate/internal/crds"
	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/internal/testcluster"
	"github.com/tiergate/tiergate/kinds"
	"github.com/tiergate/tiergate/manifest"
)

var cl *testcluster.Cluster

func TestMain(m *testing.M) { os.Exit(testcluster.Main(m, &cl, testcluster.Options{})) }

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// TestSeedInstallsTheReleasedCRDs seeds the example platform, cmd's
// live fix fixture and the registry's custom-resource fixtures: each custom kind's CRD on the
// server is the released one (its versions and schema, not a schemaless
// stand-in), every object passes its schema, and an object the schema
// refuses is refused. A custom kind with no released CRD is an error
// naming it, and nothing is defined for it.
func TestSeedInstallsTheReleasedCRDs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	root, err := testcluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	// What the tests seed: the example, cmd's live fix fixture, and the
	// registry's fixtures of custom kinds.
	files := []string{filepath.Join(root, "examples", "llm-platform.yaml"), filepath.Join(root, "cmd", "testdata", "fix-live.yaml")}
	for _, k := range kinds.All() {
		if k.Workload() && k.Typed == nil {
			files = append(files, filepath.Join(root, "kinds", "testdata", k.Fixture()))
		}
	}
	if _, err := seed.Files(ctx, cl.Config, files...); err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cl.Config)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kinds.All() {
		if !k.Workload() || k.Typed != nil {
			continue
		}
		src, ok := crds.For(schema.GroupKind{Group: k.Group, Kind: k.Kind})
		if !ok {
			t.Errorf("%s: no released CRD", k.Kind)
			continue
		}
		got, err := dyn.Resource(crdGVR).Get(ctx, k.Resource+"."+k.Group, metav1.GetOptions{})
		if err != nil {
			t.Errorf("%s: %v", k.Kind, err)
			continue
		}
		want, err := crds.Read(src)
		if err != nil {
			t.Fatal(err)
		}
		gv, _, _ := unstructured.NestedSlice(got.Object, "spec", "versions")
		wv, _, _ := unstructured.NestedSlice(want.Object, "spec", "versions")
		if len(gv) != len(wv) {
			t.Errorf("%s: %d versions served, the released CRD has %d", k.Kind, len(gv), len(wv))
		}
		for _, v := range gv {
			if _, ok, _ := unstructured.NestedMap(v.(map[string]any), "schema", "openAPIV3Schema", "properties", "spec"); !ok {
				t.Errorf("%s: version %v has no spec schema: a stand-in", k.Kind, v.(map[string]any)["name"])
			}
		}
	}

	// The schema decides: a LeaderWorkerSet whose size is a string.
	bad := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet",
		"metadata": map[string]any{"name": "bad-size", "namespace": "default"},
		"spec":     map[string]any{"leaderWorkerTemplate": map[string]any{"size": "four", "workerTemplate": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "w", "image": "vllm/vllm-openai"}}}}}},
	}}
	err = seed.Apply(ctx, cl.Config, []*unstructured.Unstructured{bad})
	if err == nil || !strings.Contains(err.Error(), ".spec.leaderWorkerTemplate.size") {
		t.Errorf("a LeaderWorkerSet with size \"four\": %v, want the schema's refusal", err)
	}

	// The lab's: every released CRD installed and served.
	if err := seed.CRDs(ctx, cl.Config); err != nil {
		t.Fatal(err)
	}
	all, err := crds.All()
	if err != nil {
		t.Fatal(err)
	}
	disc := discovery.NewDiscoveryClientForConfigOrDie(cl.Config)
	for _, s := range all {
		list, err := disc.ServerResourcesForGroupVersion(s.Group + "/" + s.Storage)
		if err != nil || !slices.ContainsFunc(list.APIResources, func(r metav1.APIResource) bool { return r.Kind == s.Kind }) {
			t.Errorf("%s: not served after seed.CRDs: %v", s.Kind, err)
		}
	}

	// No released CRD: an error naming the kind, and no definition.
	unknown := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "widgets.example.com/v1", "kind": "Widget",
		"metadata": map[string]any{"name": "w", "namespace": "default"},
	}}
	err = seed.Apply(ctx, cl.Config, []*unstructured.Unstructured{unknown})
	if err == nil || !strings.Contains(err.Error(), "no released CRD of Widget.widgets.example.com") {
		t.Errorf("a kind with no released CRD: %v", err)
	}
	if _, err := dyn.Resource(crdGVR).Get(ctx, "widgets.widgets.example.com", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("a definition of Widget was made: %v", err)
	}
}

// TestFixturesPassTheReleasedSchemas applies every custom resource of the
// audit's corpus and rule fixtures and of remediate's fixtures (read
// offline by their tests) to the real API server with its released CRD:
// each passes its operator's schema, so the offline tests read objects
// the field's clusters would hold.
func TestFixturesPassTheReleasedSchemas(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	root, err := testcluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	var objs []*unstructured.Unstructured
	files := 0
	for _, dir := range []string{"audit/testdata", "remediate/testdata"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
				return err
			}
			read, err := manifest.Read([]string{path}, nil, manifest.ParseOptions{})
			if err != nil {
				return nil // not manifests (policies, golden output): not this test's
			}
			found := false
			for _, o := range read {
				if _, ok := crds.For(o.GroupVersionKind().GroupKind()); ok {
					objs = append(objs, o.Unstructured)
					found = true
				}
			}
			if found {
				files++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 5 {
		t.Fatalf("custom resources in only %d fixture files", files)
	}
	for _, o := range objs {
		if err := seed.Apply(ctx, cl.Config, []*unstructured.Unstructured{o}); err != nil {
			t.Errorf("%v", err)
		}
	}
	t.Logf("%d custom resources from %d files", len(objs), files)
}

// TestReseedKeepsNamespaceLabels: seeding the example again never shows
// a namespace without the labels the files give it, not even for one
// update. A bare re-apply once dropped rag's Pod Security enforce label
// for a moment, and the StatefulSet controller's retry of the pod Pod
// Security refuses was admitted in that moment.
func TestReseedKeepsNamespaceLabels(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	root, err := testcluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	example := filepath.Join(root, "examples", "llm-platform.yaml")
	if _, err := seed.Files(ctx, cl.Config, example); err != nil {
		t.Fatal(err)
	}
	kube := kubernetes.NewForConfigOrDie(cl.Config)
	const enforce = "pod-security.kubernetes.io/enforce"
	ns, err := kube.CoreV1().Namespaces().Get(ctx, "rag", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ns.Labels[enforce] != "baseline" {
		t.Fatalf("rag after the first seed: labels %v", ns.Labels)
	}
	w, err := kube.CoreV1().Namespaces().Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=rag", ResourceVersion: ns.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if _, err := seed.Files(ctx, cl.Config, example); err != nil {
		t.Fatal(err)
	}
	// A marker update after the seed: every update the seed made is
	// delivered before it.
	if _, err := kube.CoreV1().Namespaces().Patch(ctx, "rag", types.MergePatchType, []byte(`{"metadata":{"annotations":{"seed-test/marker":"1"}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	for ev := range w.ResultChan() {
		got, ok := ev.Object.(*corev1.Namespace)
		if !ok {
			t.Fatalf("watch: %v", ev.Object)
		}
		if got.Labels[enforce] != "baseline" {
			t.Fatalf("the re-seed left rag without its enforce label for an update: %v", got.Labels)
		}
		if got.Annotations["seed-test/marker"] == "1" {
			return
		}
	}
	t.Fatal("the watch ended before the marker update")
}
