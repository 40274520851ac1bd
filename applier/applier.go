// Package applier writes remediate's fixes to a live cluster: a
// server-side dry run with a diff first, then a server-side apply under
// the field manager "tiergate". It is the only package that changes a
// cluster, and only when the user asks.
package applier

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/kinds"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/remediate"
)

// FieldManager is the manager tiergate applies as.
const FieldManager = "tiergate"

// Item is one object to apply: a patch of an existing object (every fix
// of that object merged) or a new object.
type Item struct {
	Target remediate.Target
	// Patch is the combined change of an existing object: a strategic
	// merge patch, server-side applied (merged with the fields tiergate
	// applied before), unless JSONPatch is set.
	Patch []byte
	// JSONPatch replaces Patch for a custom resource: sent as a JSON patch
	// (its tests fail it if the object moved on), not server-side applied.
	JSONPatch []byte
	// Object is the whole object to create, as JSON.
	Object []byte
	// Plans are the fixes' one-sentence plans, and Warnings what the user
	// must know before saying yes (a pod that would stay Pending).
	Plans, Warnings []string
	// Pending says a fix in it changes the RuntimeClass to one no node
	// can run yet: its pods would stay Pending until one can.
	Pending bool
	// Needs are objects this one relies on (the RuntimeClass a patch
	// names): when one of them fails, this one is not sent.
	Needs []remediate.Target
	// Force takes ownership of the fields other managers own: set only
	// when the person chose to (--force-conflicts, or the answer to the
	// question that listed them).
	Force bool
}

// Skipped is a change held back, with the reason and the flag that would
// include it ("" when none does).
type Skipped struct {
	Target  remediate.Target
	Kind    remediate.Kind
	Reason  string
	Include string
}

// Items orders what the plan of res applies: RuntimeClasses first (a
// patch may name one), then NetworkPolicies, then the patches. What the
// plan holds back (remediate.Hold: pods and Jobs, whose pod specs are
// immutable; Pending runtime changes unless hold allows them) is
// returned as skipped, once per target and reason.
func Items(res *remediate.Result, hold remediate.HoldOptions) ([]Item, []Skipped, error) {
	plan, err := remediate.Hold(res, hold)
	if err != nil {
		return nil, nil, err
	}
	var classes, policies, patches []Item
	var skipped []Skipped
	seen := map[Skipped]bool{}
	for _, h := range plan.Held {
		s := Skipped{Target: h.Fix.Target, Reason: h.Reason, Include: h.Include}
		if !h.Fix.Recreate {
			s.Kind = h.Fix.Kind
		}
		if !seen[s] {
			seen[s] = true
			skipped = append(skipped, s)
		}
	}
	plans := map[remediate.Target][]string{}
	warnings := map[remediate.Target][]string{}
	needs := map[remediate.Target][]remediate.Target{}
	pending := map[remediate.Target]bool{}
	created := map[string]remediate.Target{} // RuntimeClasses the plan creates
	for _, f := range plan.Go {
		if f.Kind == remediate.KindNewRuntimeClass {
			created[f.RuntimeClass] = f.Target
		}
	}
	for _, f := range plan.Go {
		plans[f.Target] = append(plans[f.Target], f.Plan)
		warnings[f.Target] = append(warnings[f.Target], f.Warnings...)
		pending[f.Target] = pending[f.Target] || f.Pending
		// A patch that names a class the fixes create needs it.
		if t, ok := created[f.RuntimeClass]; ok && f.Kind == remediate.KindRuntime && !slices.Contains(needs[f.Target], t) {
			needs[f.Target] = append(needs[f.Target], t)
		}
	}
	for _, f := range plan.Go {
		if f.Object == nil {
			continue
		}
		obj, err := json.Marshal(f.Object)
		if err != nil {
			return nil, nil, err
		}
		it := Item{Target: f.Target, Object: obj, Plans: plans[f.Target], Warnings: warnings[f.Target]}
		if f.Target.Kind == kinds.RuntimeClass.Kind {
			classes = append(classes, it)
		} else {
			policies = append(policies, it)
		}
	}
	for _, c := range plan.Changes {
		it := Item{Target: c.Target, Patch: c.Patch, Plans: plans[c.Target], Warnings: warnings[c.Target], Needs: needs[c.Target], Pending: pending[c.Target]}
		if c.PatchType == types.JSONPatchType {
			it.JSONPatch = c.JSONPatch
		}
		patches = append(patches, it)
	}
	return append(append(classes, policies...), patches...), skipped, nil
}

// Applier applies items through the dynamic client.
type Applier struct {
	Client dynamic.Interface
}

// New returns an Applier whose client files the server's warnings under
// the request they answer (Outcome.Warnings), so that each is shown once,
// with its object, rather than printed as it comes.
func New(cfg *rest.Config) (*Applier, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler, cfg.WarningHandlerWithContext = nil, requestWarnings{}
	c, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Applier{Client: c}, nil
}

// Outcome is what a dry run or an apply did to one item.
type Outcome struct {
	Item Item
	// Diff is a unified diff of the object, live against the result,
	// with env values and the last-applied annotation hidden.
	Diff string
	// Changed says the result differs from the live object.
	Changed bool
	// Created says the object did not exist.
	Created bool
	// Conflicts are the fields other managers own that the change sets to
	// other values. After a dry run without Err, the diff is what taking
	// ownership of them would do (a second dry run, forced); after an
	// apply, Err says they were not taken, or the item's Force took them.
	Conflicts []Conflict
	// GitOps names the delivery tool that manages the live object.
	GitOps *GitOps
	// Warnings are what the server warned about this object's requests
	// (a template that would still violate Pod Security), each once.
	Warnings []string
	// Skipped says why the item was not sent (an object it needs failed).
	Skipped string
	Err     error
}

// NeedsOwnership says the dry run went through only by taking fields
// other managers own.
func (o Outcome) NeedsOwnership() bool {
	return o.Err == nil && o.Skipped == "" && len(o.Conflicts) > 0
}

// Each runs fn (a dry run or an apply) over the items in order. An item
// that needs an object whose run failed, or was itself skipped, is not
// sent: a Deployment is never pointed at a RuntimeClass that could not be
// created.
func Each(ctx context.Context, items []Item, fn func(context.Context, Item) Outcome) []Outcome {
	failed := map[remediate.Target]bool{}
	outs := make([]Outcome, 0, len(items))
	for _, it := range items {
		var out Outcome
		for _, n := range it.Needs {
			if failed[n] {
				out = Outcome{Item: it, Skipped: "needs " + n.String() + ", which failed"}
				break
			}
		}
		if out.Skipped == "" {
			out = fn(ctx, it)
		}
		if out.Err != nil || out.Skipped != "" {
			failed[it.Target] = true
		}
		outs = append(outs, out)
	}
	return outs
}

// Ready are the items whose dry run went through and changes something,
// those that need ownership of other managers' fields included.
func Ready(outs []Outcome) []Item {
	var items []Item
	for _, o := range outs {
		if o.Err == nil && o.Skipped == "" && o.Changed {
			items = append(items, o.Item)
		}
	}
	return items
}

// Pending are the items among ready whose pods would stay Pending.
func Pending(items []Item) []Item {
	var out []Item
	for _, it := range items {
		if it.Pending {
			out = append(out, it)
		}
	}
	return out
}

// DryRun sends the server-side apply with dryRun=All and diffs its
// result against the live object. A change that sets fields another
// manager owns is dry-run again, forced, so that the diff shows what
// taking ownership would do; its Conflicts list those fields.
func (a *Applier) DryRun(ctx context.Context, it Item) Outcome {
	out := a.do(ctx, it, true, false)
	if len(out.Conflicts) == 0 {
		return out
	}
	forced := a.do(ctx, it, true, true)
	forced.Conflicts = out.Conflicts
	forced.Warnings = appendNew(out.Warnings, forced.Warnings...)
	return forced
}

// Apply sends the server-side apply, forced when the item says so.
func (a *Applier) Apply(ctx context.Context, it Item) Outcome {
	return a.do(ctx, it, false, it.Force)
}

func (a *Applier) do(ctx context.Context, it Item, dryRun, force bool) Outcome {
	ctx, warnings := collectWarnings(ctx)
	out := a.send(ctx, it, dryRun, force)
	out.Warnings = warnings()
	return out
}

func (a *Applier) send(ctx context.Context, it Item, dryRun, force bool) Outcome {
	out := Outcome{Item: it}
	ri, err := a.resource(it.Target)
	if err != nil {
		out.Err = err
		return out
	}
	live, err := ri.Get(ctx, it.Target.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		if it.Object == nil {
			out.Err = fmt.Errorf("%s no longer exists", it.Target)
			return out
		}
		live, out.Created = nil, true
	case err != nil:
		out.Err = explain(it.Target, "read", err)
		return out
	}
	if live != nil {
		out.GitOps = DetectGitOps(live)
	}
	if why := refuse(it, live); why != "" {
		out.Err = fmt.Errorf("%s: %s", it.Target, why)
		return out
	}
	if it.JSONPatch != nil {
		return a.jsonPatch(ctx, ri, it, live, dryRun, out)
	}
	body := it.Object
	if it.Object == nil {
		merged, err := withOwned(live, FieldManager, it.Patch)
		if err != nil {
			out.Err = fmt.Errorf("%s: %w", it.Target, err)
			return out
		}
		if body, err = remediate.ApplyBody(it.Target, merged); err != nil {
			out.Err = err
			return out
		}
	}
	opts := metav1.PatchOptions{FieldManager: FieldManager, Force: &force}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	result, err := ri.Patch(ctx, it.Target.Name, types.ApplyPatchType, body, opts)
	if err != nil {
		if out.Conflicts = conflictsOf(err); len(out.Conflicts) > 0 {
			out.Err = &ConflictError{Target: it.Target, Conflicts: out.Conflicts}
			return out
		}
		out.Err = explain(it.Target, "apply", err)
		return out
	}
	out.Diff, out.Changed, err = diff(it.Target, live, result)
	if err != nil {
		out.Err = err
	}
	return out
}

// refuse says why an item must not be written to the live object: a
// controller would undo a change to an object it controls, and an object
// to create that exists and is not tiergate's belongs to someone else.
func refuse(it Item, live *unstructured.Unstructured) string {
	if live == nil {
		return ""
	}
	if it.Object != nil && live.GetLabels()["app.kubernetes.io/managed-by"] != FieldManager {
		return "exists and was not created by tiergate; not changed"
	}
	for _, o := range live.GetOwnerReferences() {
		if o.Controller != nil && *o.Controller {
			return "controlled by " + o.Kind + "/" + o.Name + ", which would undo the change: fix that instead"
		}
	}
	return ""
}

// jsonPatch sends a custom resource's JSON patch, with the field manager
// named; its diff is against the live object like an apply's.
func (a *Applier) jsonPatch(ctx context.Context, ri dynamic.ResourceInterface, it Item, live *unstructured.Unstructured, dryRun bool, out Outcome) Outcome {
	opts := metav1.PatchOptions{FieldManager: FieldManager}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	result, err := ri.Patch(ctx, it.Target.Name, types.JSONPatchType, it.JSONPatch, opts)
	if err != nil {
		out.Err = explain(it.Target, "patch", err)
		return out
	}
	out.Diff, out.Changed, out.Err = diff(it.Target, live, result)
	return out
}

// resource maps a target to its API resource; tiergate only writes the
// kinds its fixes produce.
func (a *Applier) resource(t remediate.Target) (dynamic.ResourceInterface, error) {
	gvr, err := Resource(t)
	if err != nil {
		return nil, err
	}
	nri := a.Client.Resource(gvr)
	if t.Namespace == "" {
		return nri, nil
	}
	return nri.Namespace(t.Namespace), nil
}

// Resource is the API resource of a kind tiergate reads or writes.
func Resource(t remediate.Target) (schema.GroupVersionResource, error) {
	gv, err := schema.ParseGroupVersion(t.APIVersion)
	if err != nil {
		return schema.GroupVersionResource{}, err
	}
	k, ok := kinds.ForGroupKind(gv.WithKind(t.Kind).GroupKind())
	if !ok {
		return schema.GroupVersionResource{}, fmt.Errorf("%s: tiergate does not read or write %s objects", t, t.Kind)
	}
	return gv.WithResource(k.Resource), nil
}

// ownerReads bounds the GETs ReadOwners has in flight: enough to hide
// round trips on a large cluster, few enough not to trip client-side
// throttling (client-go's default QPS is 5 with a burst of 10).
const ownerReads = 8

// Live is what ReadLive read of the objects fixes would patch.
type Live struct {
	// Owners are the pod-bearing objects, as workloads with their pod
	// templates (remediate.Options.Owners).
	Owners map[remediate.Target]*audit.Workload
	// GitOps are the objects a delivery tool manages.
	GitOps map[remediate.Target]*GitOps
	// Gaps name what could not be read, in the order of the targets.
	Gaps []string
}

// ReadOwners reads the objects fixes would patch, as workloads with their
// pod templates (remediate.Options.Owners). What cannot be read is named
// in the returned lines, in the order of targets; those fixes are
// computed from a pod's spec.
func ReadOwners(ctx context.Context, client dynamic.Interface, targets []remediate.Target) (map[remediate.Target]*audit.Workload, []string) {
	l := ReadLive(ctx, client, targets)
	return l.Owners, l.Gaps
}

// ReadLive reads the objects fixes would patch: their pod templates, and
// whether a delivery tool manages them (which needs the object as the API
// server returns it, managedFields and all).
func ReadLive(ctx context.Context, client dynamic.Interface, targets []remediate.Target) Live {
	type read struct {
		w   *audit.Workload
		g   *GitOps
		gap string
	}
	reads := make([]read, len(targets))
	var g errgroup.Group
	g.SetLimit(ownerReads)
	for i, t := range targets {
		g.Go(func() error {
			reads[i].w, reads[i].g, reads[i].gap = readOwner(ctx, client, t)
			return nil
		})
	}
	_ = g.Wait() // readOwner reports through gaps, never an error
	out := Live{Owners: make(map[remediate.Target]*audit.Workload, len(targets)), GitOps: map[remediate.Target]*GitOps{}}
	for i, t := range targets {
		if reads[i].w != nil {
			out.Owners[t] = reads[i].w
		}
		if reads[i].g != nil {
			out.GitOps[t] = reads[i].g
		}
		if reads[i].gap != "" {
			out.Gaps = append(out.Gaps, reads[i].gap)
		}
	}
	return out
}

// readOwner reads one object; a kind tiergate does not write is skipped
// silently (its fix is computed from the pod), a failed GET named.
func readOwner(ctx context.Context, client dynamic.Interface, t remediate.Target) (*audit.Workload, *GitOps, string) {
	gvr, err := Resource(t)
	if err != nil {
		return nil, nil, ""
	}
	var ri dynamic.ResourceInterface = client.Resource(gvr)
	if t.Namespace != "" {
		ri = client.Resource(gvr).Namespace(t.Namespace)
	}
	u, err := ri.Get(ctx, t.Name, metav1.GetOptions{})
	if err != nil {
		return nil, nil, t.String() + ": " + textutil.OneLine(err.Error())
	}
	gitops := DetectGitOps(u)
	inv, _, err := manifest.Build([]manifest.Object{{Unstructured: u}}, manifest.BuildOptions{})
	if err != nil || len(inv.Workloads) != 1 {
		return nil, gitops, ""
	}
	return &inv.Workloads[0], gitops, ""
}

// explain words an API error for one object on one line: denials name
// the verb. (Apply conflicts are ConflictErrors.)
func explain(t remediate.Target, verb string, err error) error {
	msg := textutil.OneLine(err.Error())
	switch {
	case apierrors.IsForbidden(err):
		return fmt.Errorf("%s: forbidden to %s: %s", t, verb, msg)
	}
	return fmt.Errorf("%s: %s", t, msg)
}
