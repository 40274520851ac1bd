// Package seed loads manifests into a real cluster for the lab and the
// integration tests: it creates namespaces first, installs the released
// CRD (internal/crds) of every custom kind the server does not serve yet,
// marks Nodes for kwok to play their kubelets, and applies everything
// with server-side apply, so seeding twice is harmless.
package seed

import (
	"context"
	"fmt"
	"sort"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// FieldManager names tiergate's seeding in managedFields.
const FieldManager = "tiergate-seed"

// KwokNodeAnnotation makes the kwok controller manage a Node.
const KwokNodeAnnotation = "kwok.x-k8s.io/node"

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// Apply loads objects into the cluster.
func Apply(ctx context.Context, cfg *rest.Config, objs []*unstructured.Unstructured) error {
	// The example violates Pod Security on purpose; the server's warnings
	// about it are noise here.
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = rest.NoWarnings{}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return err
	}
	cached := memory.NewMemCacheClient(disc)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(cached)
	if err := installMissingKinds(ctx, dyn, mapper, objs); err != nil {
		return err
	}
	cached.Invalidate()
	mapper.Reset()
	// Namespaces first, each as the files define it: applying a bare name
	// under the same field manager would drop the labels a re-seed owns
	// (Pod Security's enforce among them) until the Namespace object itself
	// came round, and a controller retrying a refused pod got in meanwhile.
	// A namespace the files only refer to is created if missing, never
	// applied over.
	nsGVR := schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	defined := map[string]bool{}
	for _, o := range objs {
		if isNamespace(o) {
			defined[o.GetName()] = true
			if err := applyOne(ctx, dyn, mapper, o); err != nil {
				return err
			}
		}
	}
	for _, ns := range namespaces(objs) {
		if defined[ns] {
			continue
		}
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("v1")
		u.SetKind("Namespace")
		u.SetName(ns)
		if _, err := dyn.Resource(nsGVR).Create(ctx, u, metav1.CreateOptions{FieldManager: FieldManager}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("namespace %s: %w", ns, err)
		}
	}
	for _, o := range objs {
		if isNamespace(o) {
			continue
		}
		if err := applyOne(ctx, dyn, mapper, o); err != nil {
			return err
		}
	}
	return nil
}

func applyOne(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, o *unstructured.Unstructured) error {
	gvk := o.GroupVersionKind()
	m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return fmt.Errorf("%s %s: %w", gvk.Kind, o.GetName(), err)
	}
	obj := o.DeepCopy()
	obj.SetResourceVersion("")
	obj.SetUID("")
	obj.SetManagedFields(nil)
	var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		if obj.GetNamespace() == "" {
			obj.SetNamespace("default")
		}
		ri = dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
	} else {
		obj.SetNamespace("")
	}
	// Pods are all but immutable, and the server fills in defaults
	// (tolerations, RuntimeClass overhead) that a second apply would try
	// to change: an existing pod is left as it is.
	if gvk.Kind == "Pod" {
		if _, err := ri.Get(ctx, obj.GetName(), metav1.GetOptions{}); err == nil {
			return nil
		}
	}
	status, hasStatus := obj.Object["status"]
	if gvk.Kind == "Node" {
		ann := obj.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[KwokNodeAnnotation] = "fake"
		obj.SetAnnotations(ann)
	}
	if _, err := ri.Apply(ctx, obj.GetName(), obj, metav1.ApplyOptions{FieldManager: FieldManager, Force: true}); err != nil {
		return fmt.Errorf("%s %s/%s: %w", gvk.Kind, obj.GetNamespace(), obj.GetName(), err)
	}
	// A Node's capacity, nodeInfo and runtimeHandlers are status: set
	// them through the status subresource (kwok keeps them).
	if gvk.Kind == "Node" && hasStatus {
		st := &unstructured.Unstructured{Object: map[string]any{"apiVersion": obj.GetAPIVersion(), "kind": "Node", "metadata": map[string]any{"name": obj.GetName()}, "status": status}}
		if _, err := ri.ApplyStatus(ctx, obj.GetName(), st, metav1.ApplyOptions{FieldManager: FieldManager, Force: true}); err != nil {
			return fmt.Errorf("node %s status: %w", obj.GetName(), err)
		}
	}
	return nil
}

// namespaces lists the namespaces the objects live in or define.
func isNamespace(o *unstructured.Unstructured) bool {
	gvk := o.GroupVersionKind()
	return gvk.Group == "" && gvk.Kind == "Namespace"
}

func namespaces(objs []*unstructured.Unstructured) []string {
	set := map[string]bool{}
	for _, o := range objs {
		if o.GetKind() == "Namespace" {
			set[o.GetName()] = true
		} else if ns := o.GetNamespace(); ns != "" {
			set[ns] = true
		}
	}
	out := make([]string, 0, len(set))
	for ns := range set {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}

func waitEstablished(ctx context.Context, dyn dynamic.Interface, name string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		u, err := dyn.Resource(crdGVR).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
			for _, c := range conds {
				if m, ok := c.(map[string]any); ok && m["type"] == "Established" && m["status"] == "True" {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("CRD %s not established in 30s", name)
}
