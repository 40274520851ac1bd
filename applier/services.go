package applier

import (
	"context"
	"slices"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/remediate"
)

var servicesGVR = schema.GroupVersionResource{Version: "v1", Resource: "services"}

// ReadServices reads the Services the workloads' configuration points at
// (remediate.ServiceRefs), for the egress fixes to allow their pods. One
// that does not exist is simply not returned (the fix says it was not
// seen); one that cannot be read is named in the returned lines.
func ReadServices(ctx context.Context, client dynamic.Interface, refs []remediate.ServiceRef) ([]corev1.Service, []string) {
	read := make([]*corev1.Service, len(refs))
	gaps := make([]string, len(refs))
	var g errgroup.Group
	g.SetLimit(ownerReads)
	for i, ref := range refs {
		g.Go(func() error {
			u, err := client.Resource(servicesGVR).Namespace(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
			case err != nil:
				gaps[i] = "Service " + ref.Namespace + "/" + ref.Name + ": " + textutil.OneLine(err.Error())
			default:
				var svc corev1.Service
				if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &svc); err == nil {
					read[i] = &svc
				}
			}
			return nil
		})
	}
	_ = g.Wait() // each read reports through gaps
	var out []corev1.Service
	for _, s := range read {
		if s != nil {
			out = append(out, *s)
		}
	}
	return out, slices.DeleteFunc(gaps, func(s string) bool { return s == "" })
}
