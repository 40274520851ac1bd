//go:build integration

package cluster_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/tiergate/tiergate/applier"
	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/kinds"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/policy"
	"github.com/tiergate/tiergate/remediate"
)

// kindsNamespace is where the registry's fixtures are created.
const kindsNamespace = "kinds"

// TestEveryWatchedKindLive walks the registry on the real API server,
// with the released CRDs of the custom kinds loaded: every kind is served
// as the registry declares it (resource, scope, kubectl's short name, the
// verbs tiergate's roles grant); every workload kind the live audit
// watches has its fixture (kinds/testdata/<Kind>.yaml) created, seen by
// cluster.Source in a snapshot as a workload (the object itself, or its
// pods when the controllers run them), and the fix of every kind the
// registry patches accepted by the server in a dry run through applier
// (a custom resource's JSON patch validated by its released CRD); where the
// registry says a kind's pods cannot change in place, the plan holds the
// fix back and the server refuses the patch.
func TestEveryWatchedKindLive(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	clients, err := cluster.NewClients(cl.Config)
	if err != nil {
		t.Fatal(err)
	}

	var live []*kinds.Kind
	var files []string
	for _, k := range kinds.All() {
		switch {
		case !k.Workload():
		case k.Watch == nil:
			t.Logf("%s: skipped live: the live audit does not watch it", k.Kind)
		default:
			live = append(live, k)
			files = append(files, filepath.Join("..", "kinds", "testdata", k.Fixture()))
		}
	}
	if len(live) < 28 {
		t.Fatalf("only %d kinds watched live", len(live))
	}
	// Pods are admitted once the namespace's default ServiceAccount is
	// there: the namespace first, then the fixtures.
	readyNamespace(ctx, t, clients.Kube, kindsNamespace, true)
	if _, err := seed.Files(ctx, cl.Config, files...); err != nil {
		t.Fatal(err)
	}
	checkDiscovery(t, clients)
	names := map[*kinds.Kind]string{}
	for i, k := range live {
		objs, err := manifest.Read([]string{files[i]}, nil, manifest.ParseOptions{})
		if err != nil {
			t.Fatalf("%s: %v", files[i], err)
		}
		for _, o := range objs {
			if isKind(o.GetAPIVersion(), o.GetKind(), k) && names[k] == "" {
				names[k] = o.GetName()
			}
		}
	}

	// Seen by the live audit.
	src, err := cluster.NewSource(ctx, clients, cluster.Options{Namespace: kindsNamespace, Coalesce: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	src.Start(ctx)
	defer src.Stop()
	if err := src.WaitForSync(ctx); err != nil {
		t.Fatal(err)
	}
	var inv *audit.Inventory
	for {
		inv = src.Snapshot().Inventory
		missing := unseen(inv, live, names)
		if len(missing) == 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("not seen as workloads by the live audit: %v", missing)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Fixed: the plan, as fix --apply makes it, dry-run on the server.
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	aopts := audit.Options{Now: time.Now()}
	rep := e.Audit(inv, aopts)
	owners := applier.ReadLive(ctx, clients.Dynamic, remediate.OwnerTargets(inv, rep, nil))
	res, err := remediate.Compute(e, inv, rep, remediate.Options{Audit: aopts, Owners: owners.Owners})
	if err != nil {
		t.Fatal(err)
	}
	items, held, err := applier.Items(res, remediate.HoldOptions{AllowPending: true, AllowEgressGaps: true})
	if err != nil {
		t.Fatal(err)
	}
	a, err := applier.New(cl.Config)
	if err != nil {
		t.Fatal(err)
	}
	outs := applier.Each(ctx, items, a.DryRun)
	// The in-place patches the server is to refuse: its Pod Security
	// warnings about them are noise here.
	qcfg := rest.CopyConfig(cl.Config)
	qcfg.WarningHandler = rest.NoWarnings{}
	quiet, err := dynamic.NewForConfig(qcfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range live {
		name := names[k]
		if k.Typed == nil && (k.Patch != kinds.JSONPatch || k.Templateless) {
			// Not patched (its operator renders the pod, or its findings
			// are left to a human): served and seen.
			continue
		}
		t.Run(strings.TrimSuffix(k.Fixture(), ".yaml"), func(t *testing.T) {
			target := remediate.Target{APIVersion: k.APIVersion(), Kind: k.Kind, Namespace: kindsNamespace, Name: name}
			if k.Recreate {
				checkRecreate(ctx, t, quiet, k, target, res, held)
				return
			}
			i := slices.IndexFunc(outs, func(o applier.Outcome) bool { return o.Item.Target == target })
			if i < 0 {
				t.Fatalf("no change of %s in the plan (held: %+v)", target, held)
			}
			// A custom resource takes a JSON patch, which its released
			// CRD's schema validates; a built-in a server-side apply.
			if out := outs[i]; out.Err != nil || out.Skipped != "" || !out.Changed || (out.Item.JSONPatch != nil) != (k.Patch == kinds.JSONPatch) {
				t.Errorf("dry run of %s: err %v, skipped %q, changed %v", target, out.Err, out.Skipped, out.Changed)
			}
		})
	}
}

// unseen are the kinds none of whose objects is in the inventory as a
// workload, itself or through its pods' owner chains.
func unseen(inv *audit.Inventory, ks []*kinds.Kind, names map[*kinds.Kind]string) []string {
	var out []string
	for _, k := range ks {
		name := names[k]
		if !slices.ContainsFunc(inv.Workloads, func(w audit.Workload) bool {
			if isKind(w.APIVersion, w.Kind, k) && w.Name == name {
				return k.Templateless || (len(w.Templates) == len(k.Templates) && w.Templates[0].SpecPath == k.Templates[0].Path)
			}
			return w.Kind == kinds.Pod.Kind && (slices.ContainsFunc(w.Owners, ownerIs(k, name)) || (w.Owner != nil && ownerIs(k, name)(*w.Owner)))
		}) {
			out = append(out, k.GVK().GroupKind().String()+"/"+name)
		}
	}
	return out
}

// checkRecreate: the plan holds back the change of a kind whose pods
// cannot change in place, and the server refuses it as a patch.
func checkRecreate(ctx context.Context, t *testing.T, dyn dynamic.Interface, k *kinds.Kind, target remediate.Target, res *remediate.Result, held []applier.Skipped) {
	t.Helper()
	if !slices.ContainsFunc(held, func(s applier.Skipped) bool {
		return s.Target == target && strings.Contains(s.Reason, "cannot change in place")
	}) {
		t.Errorf("%s: not held back: %+v", target, held)
	}
	i := slices.IndexFunc(res.Changes, func(c remediate.Change) bool { return c.Target == target })
	if i < 0 || !res.Changes[i].Recreate {
		t.Fatalf("no recreate change of %s: %+v", target, res.Changes)
	}
	_, err := dyn.Resource(k.GVR()).Namespace(target.Namespace).Patch(ctx, target.Name, types.StrategicMergePatchType, res.Changes[i].Patch, metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}})
	if !apierrors.IsInvalid(err) {
		t.Errorf("%s: the server took the in-place patch the registry says it refuses: %v", target, err)
	}
}

// checkDiscovery compares the kinds with what the API server serves
// (the custom ones from their released CRDs, in every version the
// registry reads): resource, kind, scope, short name and verbs.
func checkDiscovery(t *testing.T, c *cluster.Clients) {
	t.Helper()
	served := map[schema.GroupVersion][]metav1.APIResource{}
	for _, k := range kinds.All() {
		if k.Version == "" {
			continue
		}
		for _, gvr := range k.GVRs() {
			checkServed(t, c, served, k, gvr.GroupVersion())
		}
	}
}

func checkServed(t *testing.T, c *cluster.Clients, served map[schema.GroupVersion][]metav1.APIResource, k *kinds.Kind, gv schema.GroupVersion) {
	t.Helper()
	if served[gv] == nil {
		list, err := c.Discovery.ServerResourcesForGroupVersion(gv.String())
		if err != nil {
			t.Fatalf("%s: %v", k.Kind, err)
		}
		served[gv] = list.APIResources
	}
	i := slices.IndexFunc(served[gv], func(r metav1.APIResource) bool { return r.Name == k.Resource })
	if i < 0 {
		t.Errorf("%s: %s is not served in %s", k.Kind, k.Resource, gv)
		return
	}
	r := served[gv][i]
	if r.Kind != k.Kind || r.Namespaced != k.Namespaced {
		t.Errorf("%s: served as kind %s, namespaced %v; the registry says %s, %v", k.Kind, r.Kind, r.Namespaced, k.Kind, k.Namespaced)
	}
	if k.Short != "" && !slices.Contains(r.ShortNames, k.Short) && k.Short != r.SingularName && k.Short != strings.ToLower(k.Kind) {
		t.Errorf("%s: short name %q is none kubectl knows (%v, %s)", k.Kind, k.Short, r.ShortNames, r.SingularName)
	}
	for _, v := range append(slices.Clone(k.RBAC.Read), k.RBAC.Apply...) {
		if !slices.Contains(r.Verbs, v) {
			t.Errorf("%s: the registry's verb %s is not one the server serves (%v)", k.Kind, v, r.Verbs)
		}
	}
}

// isKind says an object of apiVersion and kind is of the registry's kind
// k: its name and its group (two groups name a Sandbox).
func isKind(apiVersion, kind string, k *kinds.Kind) bool {
	got, ok := kinds.ForAPIVersion(apiVersion, kind)
	return ok && got == k
}

// ownerIs matches an owner that is the object of kind k named name.
func ownerIs(k *kinds.Kind, name string) func(audit.Owner) bool {
	return func(o audit.Owner) bool { return o.Name == name && isKind(o.APIVersion, o.Kind, k) }
}
