package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/kinds"
)

// pageSize is how many objects one LIST request asks for where lists go
// in pages (custom resources; everything on a server before 1.33), and
// how many stripped objects a page of a whole list hands on: whole
// objects live one page at a time (the transform keeps far less of each).
var pageSize int64 = 500

// Lister reads what a Source would watch, once, with LISTs (every
// resource at once; pageFetch says whole or in pages), and builds the inventory a Source's first
// synced snapshot would: the same objects through the same transforms,
// so the report is the same byte for byte. A one-shot command needs no
// watch, no informer cache and no copy of each object for its store.
type Lister struct {
	c        *Clients
	opts     Options
	want     []readable
	allowed  map[schema.GroupVersionResource]bool
	gaps     []Gap
	isCustom map[schema.GroupVersionResource]bool
	// whole: built-in resources list in one request each (wholeLists).
	whole bool
}

// NewLister checks what the user may read, as NewSource does: a
// forbidden required resource is an error, the others are gaps.
func NewLister(ctx context.Context, c *Clients, opts Options) (*Lister, error) {
	want, customs, unknown := wanted(ctx, c)
	allowed, gaps, err := checkAccess(ctx, c.Kube, want, opts.Namespace)
	if err != nil {
		return nil, err
	}
	gaps = append(gaps, unknown...)
	l := &Lister{c: c, opts: opts, want: want, allowed: allowed, gaps: gaps, isCustom: map[schema.GroupVersionResource]bool{}, whole: c.wholeLists(ctx)}
	for _, r := range customs {
		l.isCustom[r.gvr] = true
	}
	return l, nil
}

// Inventory lists everything the user may read, within ctx. What fails
// to list (or does not list before ctx ends) is a gap, said as the
// Source says it; pods that cannot be listed are an error.
func (ls *Lister) Inventory(ctx context.Context) (*audit.Inventory, error) {
	// Pods that fail to list end the audit: the other lists stop then,
	// rather than run on (to the timeout) for nothing.
	listCtx, stop := context.WithCancel(ctx)
	defer stop()
	l, err := ls.list(ctx, listCtx, stop, true)
	if err != nil {
		return nil, err
	}
	return buildInventory(l, ls.opts.Selector), nil
}

// list reads every resource the user may read at once (the pods only
// withPods) and files them; listCtx is cancelled (stop) when pods fail.
func (ls *Lister) list(ctx, listCtx context.Context, stop func(), withPods bool) (*lists, error) {
	type job struct {
		r   readable
		out *listing
		err error
	}
	var jobs []*job
	for _, r := range ls.want {
		if ls.allowed[r.gvr] && (withPods || r.gvr != resPods.gvr) {
			jobs = append(jobs, &job{r: r})
		}
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			objs, err := ls.listAll(listCtx, j.r)
			j.out, j.err = &listing{r: j.r, objs: objs}, err
			if err != nil && j.r.gvr == resPods.gvr {
				stop()
			}
		}()
	}
	wg.Wait()
	l := &lists{gaps: append([]Gap(nil), ls.gaps...)}
	for _, j := range jobs {
		if j.err != nil {
			if j.r.gvr == resPods.gvr {
				return nil, ls.podsError(ctx, j.err)
			}
			why := "did not list"
			if ctx.Err() == nil {
				why = "failed to list: " + textutil.OneLine(j.err.Error())
			}
			l.gaps = append(l.gaps, Gap{Resource: j.r.name(), Scope: why, Loss: j.r.loss, reason: "unsynced"})
			continue
		}
		l.place(j.out, ls.isCustom[j.r.gvr])
	}
	return l, nil
}

// podsError says why pods did not list: an interrupt (ctx cancelled:
// ctrl+c), the timeout (ctx's deadline, or the pods' own budget), or the
// server's answer.
func (ls *Lister) podsError(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("the server %s: interrupted while the pods were listing", ls.c.Server)
	}
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("the server %s: pods did not list within the timeout", ls.c.Server)
	}
	return Explain(ls.c.Server, fmt.Errorf("pods: %w", err))
}

// place files a listing where Source.setup files its informer.
func (l *lists) place(ls *listing, custom bool) {
	r := ls.r
	switch {
	case custom:
		l.customs = append(l.customs, ls)
		if r.kind == kinds.InferenceService {
			l.kserve = ls
		}
	case r.gvr == resPods.gvr:
		l.pods = ls
	case r.gvr == resNodes.gvr:
		l.nodes = ls
	case r.gvr == resRuntimeClasses.gvr:
		l.runtimeClasses = ls
	case r.gvr == resNetworkPolicies.gvr:
		l.netpols = ls
	case r.gvr == resServiceAccounts.gvr:
		l.sas = ls
	case r.gvr == resNamespaces.gvr:
		l.nss = ls
	case r.gvr.Group == rbacv1.GroupName:
		l.rbac = append(l.rbac, ls)
	case r.gvr == resInferencePools.gvr || r.gvr == resInferencePoolsA.gvr:
		l.pools = append(l.pools, ls)
	case r.gvr.Group == resourcev1.GroupName:
		l.dra = append(l.dra, ls)
	default:
		l.owners = append(l.owners, ls)
	}
}

// transformOf is the transform Source.setup gives the resource's informer.
func transformOf(r readable, custom bool) func(any) (any, error) {
	switch {
	case custom:
		return stripWorkload
	case r.gvr == resInferencePools.gvr || r.gvr == resInferencePoolsA.gvr:
		return stripPool
	case r.gvr.Group == resourcev1.GroupName:
		return stripDRA
	}
	return strip
}

// listAll lists one resource (pageFetch: pages are transformed as they
// arrive).
func (ls *Lister) listAll(ctx context.Context, r readable) ([]any, error) {
	ns := ls.opts.Namespace
	if !r.namespaced {
		ns = ""
	}
	f := pageFetch{c: ls.c, gvr: r.gvr, ns: ns, whole: ls.whole, transform: transformOf(r, ls.isCustom[r.gvr])}
	pages := make(chan page, 1)
	var fetchErr error
	go func() {
		defer close(pages)
		fetchErr = f.run(ctx, pages)
	}()
	var out []any
	for pg := range pages {
		if pg.restart {
			clear(out)
			out = out[:0] // the list starts over: what came before is dropped
		}
		if out == nil {
			out = make([]any, 0, len(pg.items))
		}
		out = append(out, pg.items...)
	}
	return out, fetchErr
}

// page is one LIST page's items, transformed; restart says the list
// started over (its continue token expired) and what came before is to
// be dropped.
type page struct {
	items   []any
	restart bool
}

// restFor is the typed (protobuf) REST client of a built-in group
// version, nil for any other (custom resources go through the dynamic
// client, as their informers do).
func restFor(c *Clients, gv schema.GroupVersion) rest.Interface {
	k := c.Kube
	switch gv {
	case corev1.SchemeGroupVersion:
		return k.CoreV1().RESTClient()
	case appsv1.SchemeGroupVersion:
		return k.AppsV1().RESTClient()
	case batchv1.SchemeGroupVersion:
		return k.BatchV1().RESTClient()
	case nodev1.SchemeGroupVersion:
		return k.NodeV1().RESTClient()
	case networkingv1.SchemeGroupVersion:
		return k.NetworkingV1().RESTClient()
	case rbacv1.SchemeGroupVersion:
		return k.RbacV1().RESTClient()
	case resourcev1.SchemeGroupVersion:
		return k.ResourceV1().RESTClient()
	}
	return nil
}

// listTypes finds the typed list of a built-in resource in client-go's
// scheme, and its item: the kind whose resource name the resource is,
// and that kind plus "List".
func listTypes(gvr schema.GroupVersionResource) (newList, newItem func() runtime.Object, err error) {
	gv := gvr.GroupVersion()
	for kind := range scheme.Scheme.KnownTypes(gv) {
		base, ok := strings.CutSuffix(kind, "List")
		if !ok || base == "" {
			continue
		}
		if plural, _ := meta.UnsafeGuessKindToResource(gv.WithKind(base)); plural.Resource != gvr.Resource {
			continue
		}
		list, item := gv.WithKind(kind), gv.WithKind(base)
		for _, gvk := range []schema.GroupVersionKind{list, item} {
			if _, err := scheme.Scheme.New(gvk); err != nil {
				return nil, nil, err
			}
		}
		return func() runtime.Object { o, _ := scheme.Scheme.New(list); return o },
			func() runtime.Object { o, _ := scheme.Scheme.New(item); return o }, nil
	}
	return nil, nil, fmt.Errorf("no list type for %s", gvr)
}
