package reportsync

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/report"
)

const (
	// FieldManager owns the fields serve applies.
	FieldManager = "tiergate"
	// SetLabel names the report set serve writes: garbage collection
	// lists and deletes only objects carrying it (and managed-by), never
	// reports someone applied from -o openreports or another tool's.
	SetLabel = "tiergate.dev/report-set"
	// SetServe is the set tiergate serve writes.
	SetServe = "serve"
	// HashAnnotation holds a hash of a report's content without its
	// timestamps: an audit that changes nothing writes nothing.
	HashAnnotation = "tiergate.dev/content-hash"
)

// Desired is the reports rep should be written as: report.ReportObjects'
// objects labelled with the set and annotated with their content hash.
func Desired(rep *audit.Report, api report.ReportAPI, set string, now time.Time) ([]*unstructured.Unstructured, error) {
	objs, err := report.ReportObjects(rep, api, now)
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		labels := o.GetLabels()
		labels[SetLabel] = set
		o.SetLabels(labels)
		h, err := ContentHash(o)
		if err != nil {
			return nil, err
		}
		o.SetAnnotations(map[string]string{HashAnnotation: h})
	}
	return objs, nil
}

// ContentHash hashes what a report says: its labels, source, summary and
// results, without the results' timestamps (every audit stamps anew) or
// the metadata the server or the writer adds.
func ContentHash(o *unstructured.Unstructured) (string, error) {
	c := o.DeepCopy()
	content := map[string]any{"apiVersion": c.GetAPIVersion(), "kind": c.GetKind(), "labels": c.GetLabels()}
	for _, k := range []string{"source", "summary", "scope", "configuration"} {
		if v, ok := c.Object[k]; ok {
			content[k] = v
		}
	}
	if results, ok := c.Object["results"].([]any); ok {
		for _, r := range results {
			if m, ok := r.(map[string]any); ok {
				delete(m, "timestamp")
			}
		}
		content["results"] = results
	}
	b, err := json.Marshal(content) // map keys sorted: a stable encoding
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16]), nil
}

// OwnedByNamespace makes a report's Namespace its owner. A namespace's
// report spans many workloads, none of which owns it alone; the
// Namespace is the one object whose life it shares. The reference is not
// a controller's and does not block the owner's deletion (that would
// need update on namespaces/finalizers).
func OwnedByNamespace(o *unstructured.Unstructured, ns *corev1.Namespace) {
	o.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "v1", Kind: "Namespace", Name: ns.Name, UID: ns.UID}})
}
