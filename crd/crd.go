// Package crd reads the custom resources tiergate knows the shape of
// (KServe InferenceService, Gateway API Inference Extension
// InferencePool), for both the file loader and live mode.
package crd

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tiergate/tiergate/audit"
)

// InferencePool reads a pool's selector: v1 has matchLabels, v1alpha2 a
// plain label map.
func InferencePool(u *unstructured.Unstructured) audit.InferencePool {
	p := audit.InferencePool{Namespace: u.GetNamespace(), Name: u.GetName(), Selector: map[string]string{}}
	sel, _, _ := unstructured.NestedMap(u.Object, "spec", "selector")
	if ml, ok := sel["matchLabels"].(map[string]any); ok {
		sel = ml
	}
	for k, v := range sel {
		if s, ok := v.(string); ok {
			p.Selector[k] = s
		}
	}
	return p
}

// KServeModels reads an InferenceService's model formats and storage URIs
// (predictor, transformer, explainer; model or component level).
func KServeModels(obj map[string]any) (formats, storageURIs []string) {
	for _, comp := range []string{"predictor", "transformer", "explainer"} {
		if f, ok, _ := unstructured.NestedString(obj, "spec", comp, "model", "modelFormat", "name"); ok {
			formats = append(formats, f)
		}
		if u, ok, _ := unstructured.NestedString(obj, "spec", comp, "model", "storageUri"); ok {
			storageURIs = append(storageURIs, u)
		}
		if u, ok, _ := unstructured.NestedString(obj, "spec", comp, "storageUri"); ok {
			storageURIs = append(storageURIs, u)
		}
	}
	return formats, storageURIs
}
