package reportsync

import (
	"cmp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Existing is a report of the set the cluster holds.
type Existing struct {
	Namespace, Name string
	// Hash is its HashAnnotation ("" when it has none: written by an
	// older tiergate or by hand, so rewritten).
	Hash string
}

// Plan is what a sync writes: the reports to apply (new or changed), how
// many are already as wanted, and those to delete (no longer wanted).
type Plan struct {
	Apply     []*unstructured.Unstructured
	Unchanged int
	Delete    []Existing
}

// Writes counts the API calls the plan makes.
func (p Plan) Writes() int { return len(p.Apply) + len(p.Delete) }

// PlanWrites compares the desired reports with the existing ones, by
// namespace and name, and their content by hash.
func PlanWrites(desired []*unstructured.Unstructured, existing []Existing) Plan {
	have := make(map[[2]string]string, len(existing))
	for _, e := range existing {
		have[[2]string{e.Namespace, e.Name}] = e.Hash
	}
	var p Plan
	wanted := make(map[[2]string]bool, len(desired))
	for _, o := range desired {
		key := [2]string{o.GetNamespace(), o.GetName()}
		wanted[key] = true
		h, ok := have[key]
		if ok && h != "" && h == o.GetAnnotations()[HashAnnotation] {
			p.Unchanged++
			continue
		}
		p.Apply = append(p.Apply, o)
	}
	for _, e := range existing {
		if !wanted[[2]string{e.Namespace, e.Name}] {
			p.Delete = append(p.Delete, e)
		}
	}
	slices.SortFunc(p.Delete, func(a, b Existing) int {
		return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name))
	})
	return p
}
