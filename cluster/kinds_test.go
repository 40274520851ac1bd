package cluster

import (
	"context"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"

	"github.com/tiergate/tiergate/kinds"
)

// TestWatchedKindsHaveInformersOfTheirType: for every built-in kind the
// registry says the live audit watches, the informer factory serves its
// resource with objects of the registry's Go type, the transform strips
// the controllers' templates found through the registry (no env value is
// cached), and a controller becomes a workload with the registry's kind,
// apiVersion and template path.
func TestWatchedKindsHaveInformersOfTheirType(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kube := fake.NewSimpleClientset()
	f := informers.NewSharedInformerFactoryWithOptions(kube, 0, informers.WithTransform(strip))
	infs := map[*kinds.Kind]cache.SharedIndexInformer{}
	for _, k := range kinds.All() {
		if k.Watch == nil || k.Typed == nil {
			continue
		}
		obj := k.Typed.New()
		m, err := meta.Accessor(obj)
		if err != nil {
			t.Fatal(err)
		}
		m.SetName("x")
		if k.Namespaced {
			m.SetNamespace("llm")
		}
		if k.Typed.PodTemplate != nil {
			k.Typed.PodTemplate(obj).Spec.Containers = []corev1.Container{{Name: "c", Image: "vllm/vllm-openai:v0.9.2", Env: []corev1.EnvVar{{Name: "HF_TOKEN", Value: "hf_secret"}}}}
		}
		if err := kube.Tracker().Add(obj); err != nil {
			t.Fatalf("%s: %v", k.Kind, err)
		}
		gi, err := f.ForResource(k.GVR())
		if err != nil {
			t.Fatalf("%s: no informer for %v: %v", k.Kind, k.GVR(), err)
		}
		infs[k] = gi.Informer()
	}
	f.Start(ctx.Done())
	defer func() { cancel(); f.Shutdown() }()
	for k, inf := range infs {
		if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
			t.Fatalf("%s did not sync", k.Kind)
		}
		objs := inf.GetStore().List()
		if len(objs) != 1 {
			t.Fatalf("%s: %d objects", k.Kind, len(objs))
		}
		if k == kinds.Pod {
			continue // cached as a cachedPod (TestStripKeepsWhatTheAuditReads)
		}
		if got, want := reflect.TypeOf(objs[0]), reflect.TypeOf(k.Typed.New()); got != want {
			t.Errorf("%s: the informer holds %v, the registry's type is %v", k.Kind, got, want)
		}
		if k.Typed.PodTemplate == nil {
			continue
		}
		w, ok := controllerWorkload(k, objs[0])
		if !ok || w.Kind != k.Kind || w.APIVersion != k.APIVersion() || len(w.Templates) != 1 || w.Templates[0].SpecPath != k.Templates[0].Path {
			t.Errorf("%s: workload %v %s %s %+v", k.Kind, ok, w.Kind, w.APIVersion, w.Templates)
			continue
		}
		if v := w.Templates[0].Spec.Containers[0].Env[0].Value; v != "" {
			t.Errorf("%s: an env value reached the cache: %q", k.Kind, v)
		}
	}
	if len(infs) < 8 {
		t.Errorf("only %d watched built-in kinds", len(infs))
	}
}
