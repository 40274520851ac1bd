package crd

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestInferencePoolSelectors(t *testing.T) {
	for name, spec := range map[string]map[string]any{
		"v1":       {"selector": map[string]any{"matchLabels": map[string]any{"app": "vllm"}}},
		"v1alpha2": {"selector": map[string]any{"app": "vllm"}},
	} {
		u := &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"name": "p", "namespace": "llm"}, "spec": spec}}
		p := InferencePool(u)
		if p.Namespace != "llm" || p.Name != "p" || !reflect.DeepEqual(p.Selector, map[string]string{"app": "vllm"}) {
			t.Errorf("%s: %+v", name, p)
		}
	}
}

func TestKServeModels(t *testing.T) {
	obj := map[string]any{"spec": map[string]any{
		"predictor":   map[string]any{"model": map[string]any{"modelFormat": map[string]any{"name": "huggingface"}, "storageUri": "hf://meta-llama/Llama-3.1-8B"}},
		"transformer": map[string]any{"storageUri": "s3://bucket/t"},
	}}
	f, u := KServeModels(obj)
	if !reflect.DeepEqual(f, []string{"huggingface"}) || !reflect.DeepEqual(u, []string{"hf://meta-llama/Llama-3.1-8B", "s3://bucket/t"}) {
		t.Errorf("formats %v uris %v", f, u)
	}
}
