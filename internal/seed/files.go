package seed

import (
	"context"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"

	"github.com/tiergate/tiergate/manifest"
)

// Files reads manifests and applies them; it returns how many objects.
func Files(ctx context.Context, cfg *rest.Config, paths ...string) (int, error) {
	objs, err := manifest.Read(paths, nil, manifest.ParseOptions{})
	if err != nil {
		return 0, err
	}
	us := make([]*unstructured.Unstructured, len(objs))
	for i := range objs {
		us[i] = objs[i].Unstructured
	}
	return len(us), Apply(ctx, cfg, us)
}
