package applier

import (
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	batchv1ac "k8s.io/client-go/applyconfigurations/batch/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
)

// withOwned merges patch into the fields the field manager already owns
// on the live object. A server-side apply drops the fields its manager
// applied before and leaves out now, so a second "tiergate fix --apply"
// (for other rules) would otherwise undo the first.
func withOwned(live *unstructured.Unstructured, manager string, patch []byte) ([]byte, error) {
	var (
		owned  any
		schema any
		err    error
	)
	switch live.GetKind() {
	case "Deployment":
		owned, err = extract(live, manager, appsv1ac.ExtractDeployment)
		schema = appsv1.Deployment{}
	case "StatefulSet":
		owned, err = extract(live, manager, appsv1ac.ExtractStatefulSet)
		schema = appsv1.StatefulSet{}
	case "DaemonSet":
		owned, err = extract(live, manager, appsv1ac.ExtractDaemonSet)
		schema = appsv1.DaemonSet{}
	case "ReplicaSet":
		owned, err = extract(live, manager, appsv1ac.ExtractReplicaSet)
		schema = appsv1.ReplicaSet{}
	case "CronJob":
		owned, err = extract(live, manager, batchv1ac.ExtractCronJob)
		schema = batchv1.CronJob{}
	case "ServiceAccount":
		owned, err = extract(live, manager, corev1ac.ExtractServiceAccount)
		schema = corev1.ServiceAccount{}
	default:
		return nil, fmt.Errorf("tiergate does not apply to %s objects", live.GetKind())
	}
	if err != nil {
		return nil, fmt.Errorf("reading the fields %s owns: %w", manager, err)
	}
	base, err := json.Marshal(owned)
	if err != nil {
		return nil, err
	}
	return strategicpatch.StrategicMergePatch(base, patch, schema)
}

// extract converts the live object to its type and extracts the apply
// configuration the manager owns.
func extract[T any, AC any](live *unstructured.Unstructured, manager string, fn func(*T, string) (AC, error)) (AC, error) {
	var typed T
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(live.Object, &typed); err != nil {
		var zero AC
		return zero, err
	}
	return fn(&typed, manager)
}
