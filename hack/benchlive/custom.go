package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/kinds"
	"github.com/tiergate/tiergate/manifest"
)

// customNamespaces hold an object of every custom workload kind each.
const customNamespaces = 20

// seedCustom installs every released CRD, creates each custom workload
// kind's fixture (kinds/testdata) in the first customNamespaces
// namespaces, and makes one pod in ten run from a Sandbox of its own. It
// returns how many custom resources it created.
func seedCustom(ctx context.Context, cfg *rest.Config, kube kubernetes.Interface, root string, pods, namespaces int) (int, error) {
	if err := seed.CRDs(ctx, cfg); err != nil {
		return 0, err
	}
	var objs []*unstructured.Unstructured
	for _, k := range kinds.All() {
		if !k.Custom() || !k.Workload() {
			continue
		}
		read, err := manifest.Read([]string{filepath.Join(root, "kinds", "testdata", k.Fixture())}, nil, manifest.ParseOptions{})
		if err != nil {
			return 0, err
		}
		for i := range min(customNamespaces, namespaces) {
			for _, o := range read {
				u := o.DeepCopy()
				u.SetNamespace(fmt.Sprintf("team-%03d", i))
				objs = append(objs, u)
			}
		}
	}
	if err := seed.Apply(ctx, cfg, objs); err != nil {
		return 0, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return 0, err
	}
	n, err := sandboxOwners(ctx, dyn, kube, pods, namespaces)
	return len(objs) + n, err
}

// sandboxOwners creates a Sandbox for every tenth pod and makes it the
// pod's controlling owner, as agent-sandbox's controller does.
func sandboxOwners(ctx context.Context, dyn dynamic.Interface, kube kubernetes.Interface, pods, namespaces int) (int, error) {
	jobs := make(chan int)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := ownBySandbox(ctx, dyn, kube, i, namespaces); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	n := 0
	for i := 0; i < pods; i += 10 {
		jobs <- i
		n++
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return 0, err
	default:
		return n, nil
	}
}

func ownBySandbox(ctx context.Context, dyn dynamic.Interface, kube kubernetes.Interface, i, namespaces int) error {
	ns, name := fmt.Sprintf("team-%03d", i%namespaces), fmt.Sprintf("llm-%05d", i)
	pod, err := kube.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	sb := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": kinds.Sandbox.APIVersion(), "kind": kinds.Sandbox.Kind,
		"metadata": map[string]any{"name": name, "namespace": ns},
		"spec":     map[string]any{"podTemplate": map[string]any{"spec": podSpec(pod)}},
	}}
	made, err := dyn.Resource(kinds.Sandbox.GVR()).Namespace(ns).Create(ctx, sb, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	ref := metav1.OwnerReference{APIVersion: kinds.Sandbox.APIVersion(), Kind: kinds.Sandbox.Kind, Name: name, UID: made.GetUID(), Controller: ptr.To(true)}
	patch := fmt.Sprintf(`{"metadata":{"ownerReferences":[{"apiVersion":%q,"kind":%q,"name":%q,"uid":%q,"controller":true}]}}`, ref.APIVersion, ref.Kind, ref.Name, ref.UID)
	_, err = kube.CoreV1().Pods(ns).Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	return err
}

// podSpec is the pod's containers as a Sandbox's template holds them.
func podSpec(p *corev1.Pod) map[string]any {
	var cs []any
	for _, c := range p.Spec.Containers {
		cs = append(cs, map[string]any{"name": c.Name, "image": c.Image})
	}
	return map[string]any{"containers": cs}
}
