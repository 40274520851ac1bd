package applier

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/tiergate/tiergate/kinds"
)

// withOwned merges patch into the fields the field manager already owns
// on the live object. A server-side apply drops the fields its manager
// applied before and leaves out now, so a second "tiergate fix --apply"
// (for other rules) would otherwise undo the first. The registry's Go
// type of the kind gives both the fields owned (client-go's Extract
// function) and the strategic merge's patch strategy.
func withOwned(live *unstructured.Unstructured, manager string, patch []byte) ([]byte, error) {
	k, ok := kinds.ForAPIVersion(live.GetAPIVersion(), live.GetKind())
	if !ok || k.Typed == nil || k.Typed.Owned == nil {
		return nil, fmt.Errorf("tiergate does not apply to %s objects", live.GetKind())
	}
	typed := k.Typed.New()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(live.Object, typed); err != nil {
		return nil, fmt.Errorf("reading the fields %s owns: %w", manager, err)
	}
	owned, err := k.Typed.Owned(typed, manager)
	if err != nil {
		return nil, fmt.Errorf("reading the fields %s owns: %w", manager, err)
	}
	base, err := json.Marshal(owned)
	if err != nil {
		return nil, err
	}
	return strategicpatch.StrategicMergePatch(base, patch, k.Typed.New())
}
