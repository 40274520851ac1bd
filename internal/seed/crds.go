package seed

import (
	"context"
	"fmt"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/tiergate/tiergate/internal/crds"
)

// installMissingKinds installs the released CRD of every custom kind in
// objs that the server does not serve. A custom kind with no released
// CRD in internal/crds is an error: objects are validated by the
// schemas their operators ship, never by a definition of our own.
func installMissingKinds(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, objs []*unstructured.Unstructured) error {
	seen := map[schema.GroupKind]bool{}
	var want []crds.Source
	var missing []string
	for _, o := range objs {
		gvk := o.GroupVersionKind()
		if seen[gvk.GroupKind()] || !strings.Contains(gvk.Group, ".") || o.GetKind() == "CustomResourceDefinition" {
			continue
		}
		seen[gvk.GroupKind()] = true
		if _, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err == nil {
			continue
		}
		if strings.HasSuffix(gvk.Group, ".k8s.io") && !hasReleasedCRD(gvk.GroupKind()) {
			continue // a built-in group the server does not serve: applying says so
		}
		src, ok := crds.For(gvk.GroupKind())
		if !ok {
			missing = append(missing, gvk.Kind+"."+gvk.Group)
			continue
		}
		want = append(want, src)
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("no released CRD of %s in internal/crds (add the project's own, with its SOURCES.tsv line)", strings.Join(missing, ", "))
	}
	return install(ctx, dyn, want)
}

func hasReleasedCRD(gk schema.GroupKind) bool {
	_, ok := crds.For(gk)
	return ok
}

// CRDs installs released CRDs (all of them when none is named) and waits
// until the server serves them: the lab installs every one, so that any
// of the field's custom resources can be created in it.
func CRDs(ctx context.Context, cfg *rest.Config, sources ...crds.Source) error {
	if len(sources) == 0 {
		all, err := crds.All()
		if err != nil {
			return err
		}
		sources = all
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return err
	}
	var todo []crds.Source
	for _, s := range sources {
		if list, err := disc.ServerResourcesForGroupVersion(s.Group + "/" + s.Storage); err == nil && servesKind(list, s.Kind) {
			continue
		}
		todo = append(todo, s)
	}
	return install(ctx, dyn, todo)
}

func servesKind(list *metav1.APIResourceList, kind string) bool {
	for _, r := range list.APIResources {
		if r.Kind == kind && !strings.Contains(r.Name, "/") {
			return true
		}
	}
	return false
}

// install creates the CRDs as released (an existing one is left as it
// is) and waits until each is established.
func install(ctx context.Context, dyn dynamic.Interface, sources []crds.Source) error {
	var names []string
	for _, s := range sources {
		crd, err := crds.Read(s)
		if err != nil {
			return err
		}
		_, err = dyn.Resource(crdGVR).Create(ctx, crd, metav1.CreateOptions{FieldManager: FieldManager})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("installing the CRD of %s (%s@%s): %w", s.Kind, s.Repository, s.Commit[:12], err)
		}
		names = append(names, crd.GetName())
	}
	for _, name := range names {
		if err := waitEstablished(ctx, dyn, name); err != nil {
			return err
		}
	}
	return nil
}
