package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	resourcev1 "k8s.io/api/resource/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/kinds"
)

// pageSize is how many objects one LIST request asks for: pages keep
// the decoded objects of one page alive at a time (the transform keeps
// far less of each), and the next page is fetched while one is stripped.
var pageSize int64 = 500

// Lister reads what a Source would watch, once, with paginated LISTs
// (every resource at once), and builds the inventory a Source's first
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
	l := &Lister{c: c, opts: opts, want: want, allowed: allowed, gaps: gaps, isCustom: map[schema.GroupVersionResource]bool{}}
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
			objs, err := listAll(listCtx, ls.c, j.r, ls.opts.Namespace, ls.isCustom[j.r.gvr])
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

// listAll lists one resource page by page, fetching the next page while
// the transform runs over the one before.
func listAll(ctx context.Context, c *Clients, r readable, namespace string, custom bool) ([]any, error) {
	ns := namespace
	if !r.namespaced {
		ns = ""
	}
	transform := transformOf(r, custom)
	pages := make(chan page, 1)
	var fetchErr error
	go func() {
		defer close(pages)
		fetchErr = fetchPages(ctx, c, r.gvr, ns, 0, pages)
	}()
	var (
		out []any
		err error
	)
	for pg := range pages {
		if pg.restart {
			clear(out)
			out = out[:0] // the list starts over: what came before is dropped
		}
		items := pg.items
		if out == nil {
			out = make([]any, 0, len(items))
		}
		for _, o := range items {
			if err != nil {
				break // drain: the fetcher stops at the last page
			}
			var t any
			if t, err = transform(o); err == nil {
				out = append(out, t)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return out, fetchErr
}

// page is one LIST page's items; restart says the list started over
// (its continue token expired) and what came before is to be dropped.
type page struct {
	items   []runtime.Object
	restart bool
}

// fetchPages sends each page's items; it stops at the last page or the
// first error. When the continue token expires mid-list (410 Gone: the
// list took longer than the server keeps its snapshot), it starts over
// with one full, unpaginated list, as client-go's pager (and so an
// informer's first list) does, rather than fail or give half a list.
//
// budget, when not 0, is the time its requests may take together (ctx
// bounds only the waits for the reader of pages then); past it, it
// returns context.DeadlineExceeded.
func fetchPages(ctx context.Context, c *Clients, gvr schema.GroupVersionResource, ns string, budget time.Duration, pages chan<- page) error {
	typed := restFor(c, gvr.GroupVersion())
	var newList func() runtime.Object
	if typed != nil {
		var err error
		if newList, err = listType(gvr); err != nil {
			return err
		}
	}
	list := func(ctx context.Context, opts metav1.ListOptions) ([]runtime.Object, string, error) {
		if typed == nil {
			list, err := c.Dynamic.Resource(gvr).Namespace(ns).List(ctx, opts)
			if err != nil {
				return nil, "", err
			}
			items := make([]runtime.Object, len(list.Items))
			for i := range list.Items {
				items[i] = &list.Items[i]
			}
			return items, list.GetContinue(), nil
		}
		list := newList()
		req := typed.Get().Resource(gvr.Resource).VersionedParams(&opts, scheme.ParameterCodec)
		if ns != "" {
			req = req.Namespace(ns)
		}
		if err := req.Do(ctx).Into(list); err != nil {
			return nil, "", err
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			return nil, "", err
		}
		lm, err := meta.ListAccessor(list)
		if err != nil {
			return nil, "", err
		}
		return items, lm.GetContinue(), nil
	}
	var spent time.Duration
	request := func(opts metav1.ListOptions) ([]runtime.Object, string, error) {
		if budget == 0 {
			return list(ctx, opts)
		}
		left := budget - spent
		if left <= 0 {
			return nil, "", context.DeadlineExceeded
		}
		reqCtx, cancel := context.WithTimeout(ctx, left)
		defer cancel()
		began := time.Now()
		items, next, err := list(reqCtx, opts)
		spent += time.Since(began)
		if err != nil && ctx.Err() == nil && reqCtx.Err() != nil {
			return nil, "", context.DeadlineExceeded
		}
		return items, next, err
	}
	cont, restart := "", false
	for {
		items, next, err := request(metav1.ListOptions{Limit: pageSize, Continue: cont})
		if err != nil && cont != "" && apierrors.IsResourceExpired(err) {
			items, next, err = request(metav1.ListOptions{})
			restart = true
		}
		if err != nil {
			return err
		}
		select {
		case pages <- page{items: items, restart: restart}:
		case <-ctx.Done():
			return ctx.Err()
		}
		if next == "" || restart {
			return nil
		}
		cont = next
	}
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

// listType finds the typed list of a built-in resource in client-go's
// scheme: the kind whose resource name the resource is, plus "List".
func listType(gvr schema.GroupVersionResource) (func() runtime.Object, error) {
	gv := gvr.GroupVersion()
	for kind := range scheme.Scheme.KnownTypes(gv) {
		base, ok := strings.CutSuffix(kind, "List")
		if !ok || base == "" {
			continue
		}
		if plural, _ := meta.UnsafeGuessKindToResource(gv.WithKind(base)); plural.Resource != gvr.Resource {
			continue
		}
		gvk := gv.WithKind(kind)
		if _, err := scheme.Scheme.New(gvk); err != nil {
			return nil, err
		}
		return func() runtime.Object { o, _ := scheme.Scheme.New(gvk); return o }, nil
	}
	return nil, fmt.Errorf("no list type for %s", gvr)
}
