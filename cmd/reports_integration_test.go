//go:build integration

package cmd

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/tiergate/tiergate/internal/crds"
	"github.com/tiergate/tiergate/internal/seed"
)

// TestReportsValidateAgainstTheirCRDs: -o openreports and -o
// policyreport of the example are accepted, field by field (strict field
// validation), by the real API server with the projects' released CRDs.
func TestReportsValidateAgainstTheirCRDs(t *testing.T) {
	seedExample(t) // its namespaces
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var sources []crds.Source
	for _, gk := range []schema.GroupKind{{Group: "openreports.io", Kind: "Report"}, {Group: "wgpolicyk8s.io", Kind: "PolicyReport"}} {
		s, ok := crds.For(gk)
		if !ok {
			t.Fatalf("no released CRD for %v", gk)
		}
		sources = append(sources, s)
	}
	if err := seed.CRDs(ctx, cl.Config, sources...); err != nil {
		t.Fatal(err)
	}
	dyn := dynamic.NewForConfigOrDie(cl.Config)
	for _, tc := range []struct {
		format string
		gvr    schema.GroupVersionResource
	}{
		{"openreports", schema.GroupVersionResource{Group: "openreports.io", Version: "v1alpha1", Resource: "reports"}},
		{"policyreport", schema.GroupVersionResource{Group: "wgpolicyk8s.io", Version: "v1alpha2", Resource: "policyreports"}},
	} {
		out, errOut, code := run(t, "", "audit", "-f", example, "-o", tc.format)
		if code != 0 {
			t.Fatalf("-o %s: exit %d: %s", tc.format, code, errOut)
		}
		n := 0
		for _, doc := range strings.Split(out, "\n---\n") {
			var u unstructured.Unstructured
			if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
				t.Fatal(err)
			}
			_, err := dyn.Resource(tc.gvr).Namespace(u.GetNamespace()).Create(ctx, &u, metav1.CreateOptions{FieldValidation: "Strict"})
			if err != nil {
				t.Fatalf("-o %s: %s/%s refused: %v", tc.format, u.GetNamespace(), u.GetName(), err)
			}
			n++
		}
		got, err := dyn.Resource(tc.gvr).Namespace("").List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/managed-by=tiergate"})
		if err != nil || len(got.Items) != n || n < 4 {
			t.Errorf("-o %s: %d reports created, %d listed (%v)", tc.format, n, len(got.Items), err)
		}
	}
}
