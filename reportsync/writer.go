package reportsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/report"
)

// Writer writes one report set to a cluster.
type Writer struct {
	dyn  dynamic.Interface
	meta metadata.Interface
	kube kubernetes.Interface
	api  report.ReportAPI
	set  string
	// namespace limits the set to one namespace ("" is every one): a
	// serve of one namespace neither sees nor deletes the others'.
	namespace string
}

// NewWriter writes the set of api's reports in namespace ("" for all):
// server-side apply and deletes through dyn, lists through meta (only
// the labels and annotations are read, never the results), the
// Namespaces the reports name as owner through kube.
func NewWriter(dyn dynamic.Interface, meta metadata.Interface, kube kubernetes.Interface, api report.ReportAPI, set, namespace string) *Writer {
	return &Writer{dyn: dyn, meta: meta, kube: kube, api: api, set: set, namespace: namespace}
}

// Served asks discovery whether the cluster serves api's reports (its
// CRD is installed).
func Served(disc discovery.DiscoveryInterface, api report.ReportAPI) bool {
	list, err := disc.ServerResourcesForGroupVersion(api.Resource.GroupVersion().String())
	if err != nil {
		return false
	}
	for _, r := range list.APIResources {
		if r.Name == api.Resource.Resource {
			return true
		}
	}
	return false
}

// Result counts what a sync did; Errs are the writes that failed, each
// naming its verb and object (they are retried by the next sync, which
// finds them still different).
type Result struct {
	Applied, Unchanged, Deleted int
	Errs                        []*WriteError
}

// WriteError is one refused or failed call.
type WriteError struct {
	Verb, Resource, Namespace, Name string
	Err                             error
}

func (e *WriteError) Error() string {
	what := e.Resource
	if e.Name != "" {
		what += " " + e.Namespace + "/" + e.Name
	} else if e.Namespace != "" {
		what += " in " + e.Namespace
	}
	return fmt.Sprintf("%s %s: %v", e.Verb, what, e.Err)
}

// Unwrap is the API's error (apierrors.IsForbidden tells RBAC).
func (e *WriteError) Unwrap() error { return e.Err }

// Sync makes the cluster's reports of the set those of rep: lists them
// by label, applies the new and changed ones, deletes those no longer
// wanted. A list that fails writes nothing.
func (w *Writer) Sync(ctx context.Context, rep *audit.Report, now time.Time) Result {
	var res Result
	desired, err := Desired(rep, w.api, w.set, now)
	if err != nil {
		res.Errs = append(res.Errs, &WriteError{Verb: "render", Resource: w.resource(), Err: err})
		return res
	}
	if w.namespace != "" {
		kept := desired[:0]
		for _, o := range desired {
			if o.GetNamespace() == w.namespace {
				kept = append(kept, o)
			}
		}
		desired = kept
	}
	existing, err := w.list(ctx)
	if err != nil {
		res.Errs = append(res.Errs, &WriteError{Verb: "list", Resource: w.resource(), Namespace: w.namespace, Err: err})
		return res
	}
	plan := PlanWrites(desired, existing)
	res.Unchanged = plan.Unchanged
	rc := w.dyn.Resource(w.api.Resource)
	for _, o := range plan.Apply {
		ns, err := w.kube.CoreV1().Namespaces().Get(ctx, o.GetNamespace(), metav1.GetOptions{})
		switch {
		case err == nil:
			OwnedByNamespace(o, ns)
		case apierrors.IsNotFound(err):
			continue // going away: nothing to report in it
		default:
			// Without the owner reference the report is still right.
		}
		if err := w.apply(ctx, o); err != nil {
			res.Errs = append(res.Errs, &WriteError{Verb: "patch", Resource: w.resource(), Namespace: o.GetNamespace(), Name: o.GetName(), Err: err})
			continue
		}
		res.Applied++
	}
	for _, e := range plan.Delete {
		err := rc.Namespace(e.Namespace).Delete(ctx, e.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			res.Errs = append(res.Errs, &WriteError{Verb: "delete", Resource: w.resource(), Namespace: e.Namespace, Name: e.Name, Err: err})
			continue
		}
		res.Deleted++
	}
	return res
}

// apply writes a report with server-side apply as tiergate, forcing
// its ownership of the fields (a report applied by hand from -o
// openreports is taken over), with strict field validation: a field the
// CRD does not know is an error, never silently dropped.
func (w *Writer) apply(ctx context.Context, o *unstructured.Unstructured) error {
	b, err := json.Marshal(o.Object)
	if err != nil {
		return err
	}
	force := true
	_, err = w.dyn.Resource(w.api.Resource).Namespace(o.GetNamespace()).Patch(ctx, o.GetName(), types.ApplyPatchType, b,
		metav1.PatchOptions{FieldManager: FieldManager, Force: &force, FieldValidation: "Strict"})
	return err
}

// list reads the set's reports' metadata: an audit that changed nothing
// costs one list of object headers, not of every result.
func (w *Writer) list(ctx context.Context) ([]Existing, error) {
	sel := labels.Set{report.ManagedByLabel: FieldManager, SetLabel: w.set}.AsSelector().String()
	list, err := w.meta.Resource(w.api.Resource).Namespace(w.namespace).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return nil, err
	}
	out := make([]Existing, 0, len(list.Items))
	for _, o := range list.Items {
		out = append(out, Existing{Namespace: o.GetNamespace(), Name: o.GetName(), Hash: o.GetAnnotations()[HashAnnotation]})
	}
	return out, nil
}

// resource is the API's resource as RBAC names it (reports.openreports.io).
func (w *Writer) resource() string {
	return w.api.Resource.Resource + "." + w.api.Resource.Group
}

// Forbidden says whether err is an RBAC denial.
func Forbidden(err error) bool {
	var we *WriteError
	return errors.As(err, &we) && apierrors.IsForbidden(we.Err)
}
