package cluster

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"io"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
)

// pageFetch is one resource's list, sent page by page to its reader, each
// page's items through transform (the informers' transform: a page holds
// whole objects only while they are stripped, on the fetching goroutine).
type pageFetch struct {
	c   *Clients
	gvr schema.GroupVersionResource
	ns  string
	// whole asks a built-in resource's list in one request, read as it
	// arrives (Clients.wholeLists says when the server allows it).
	whole bool
	// budget, when not 0, is the time the requests may take together
	// (ctx bounds only the waits for the reader of pages then); past it,
	// run returns context.DeadlineExceeded.
	budget    time.Duration
	transform func(any) (any, error)
}

// run sends the pages and returns at the last one or the first error.
// Custom resources are listed in pages even where whole lists are
// allowed: the dynamic client decodes a list's JSON whole, and a whole
// list of 10,000 Sandboxes (20 MB of JSON) raised the heap by 175-205 MB
// at its peak, against 80-85 MB in pages of 500 (what is kept included).
func (f pageFetch) run(ctx context.Context, pages chan<- page) error {
	if typed := restFor(f.c, f.gvr.GroupVersion()); f.whole && typed != nil {
		return f.wholeList(ctx, typed, pages)
	}
	return f.paged(ctx, pages)
}

// wholeList reads one LIST without a limit: the API server answers it
// from its watch cache (a paginated list's later pages come from etcd
// unless the cache still holds a snapshot of the first page's revision,
// which a cluster whose pods have not changed since the last compaction
// does not), and it streams the encoding; protobuf items decode one at a
// time as they arrive (readProtobufList), so the list is never whole in
// memory here either (a JSON answer, from a proxy that refuses protobuf,
// is). Pages go to the reader through relay, which holds a few for a
// reader that is behind and, once the body has waited relayPatience in
// all (a pager on stdout), every page: the server does not cut the
// request at its timeout, and the time spent waiting is not counted in
// the budget. A list the reader did not get whole (ctrl+c while pages
// waited) is an error, never a shorter list.
func (f pageFetch) wholeList(ctx context.Context, typed rest.Interface, pages chan<- page) error {
	newList, newItem, err := listTypes(f.gvr)
	if err != nil {
		return err
	}
	clock := startBudget(ctx, f.budget)
	defer clock.stop()
	req := typed.Get().Resource(f.gvr.Resource).VersionedParams(&metav1.ListOptions{}, scheme.ParameterCodec)
	if f.ns != "" {
		req = req.Namespace(f.ns)
	}
	body, err := openList(clock.ctx, req)
	if err != nil {
		return clock.err(err)
	}
	defer body.Close()
	// A list that fails drops the pages relay holds: the reader may not
	// take them until the other lists are done (Stream), and the failure
	// is to stop those at once (run returns), as a failed page does.
	relayCtx, drop := context.WithCancel(ctx)
	defer drop()
	in, done := make(chan page), make(chan bool, 1)
	go relay(relayCtx, in, pages, done)
	finish := func() (delivered bool) { close(in); return <-done }
	// Waiting for the relay is the reader's time: the clock stops.
	send := func(p page) {
		clock.pause()
		in <- p
		clock.resume()
	}
	var items []any
	each := func(o runtime.Object) error {
		t, err := f.transform(o)
		if err != nil {
			return err
		}
		items = append(items, t)
		if len(items) == int(pageSize) {
			send(page{items: items})
			items = nil
		}
		return nil
	}
	r := bufio.NewReaderSize(cutBody{body}, 64<<10)
	if magic, _ := r.Peek(len(protobufMagic)); bytes.Equal(magic, protobufMagic) {
		err = readProtobufList(r, newItem, each)
	} else {
		err = decodeList(r, newList, each) // a server that answers JSON
	}
	if err != nil {
		drop()
		finish()
		return clock.err(listCut(err))
	}
	if len(items) > 0 {
		send(page{items: items})
	}
	if !finish() {
		// Ended (ctrl+c, the other lists' stop) before the reader took
		// every page: what it did not get is no shorter list.
		return cmp.Or(ctx.Err(), context.Canceled)
	}
	return nil
}

// decodeList decodes a whole list body in any encoding the client knows.
func decodeList(r io.Reader, newList func() runtime.Object, each func(runtime.Object) error) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	list := newList()
	if _, _, err := scheme.Codecs.UniversalDeserializer().Decode(b, nil, list); err != nil {
		return err
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return err
	}
	for _, o := range items {
		if err := each(o); err != nil {
			return err
		}
	}
	return nil
}

// paged lists in pages of pageSize objects. When the
// continue token expires mid-list (410 Gone: the list took longer than
// the server keeps its snapshot), it starts over with one full,
// unpaginated list, as client-go's pager (and so an informer's first
// list) does, rather than fail or give half a list.
func (f pageFetch) paged(ctx context.Context, pages chan<- page) error {
	list, err := pageLister(f.c, f.gvr, f.ns)
	if err != nil {
		return err
	}
	// The budget runs only while a request is out: between them the
	// fetcher strips a page and waits for the reader.
	clock := startBudget(ctx, f.budget)
	defer clock.stop()
	clock.pause()
	request := func(opts metav1.ListOptions) ([]runtime.Object, string, error) {
		clock.resume()
		defer clock.pause()
		items, next, err := list(clock.ctx, opts)
		return items, next, clock.err(err)
	}
	cont, restart := "", false
	for {
		objs, next, err := request(metav1.ListOptions{Limit: pageSize, Continue: cont})
		if err != nil && cont != "" && apierrors.IsResourceExpired(err) {
			objs, next, err = request(metav1.ListOptions{})
			restart = true
		}
		if err != nil {
			return err
		}
		items := make([]any, len(objs))
		for i, o := range objs {
			if items[i], err = f.transform(o); err != nil {
				return err
			}
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

// pageLister makes the requests of one resource's paginated list:
// protobuf for a built-in resource, JSON through the dynamic client for
// the others.
func pageLister(c *Clients, gvr schema.GroupVersionResource, ns string) (func(context.Context, metav1.ListOptions) ([]runtime.Object, string, error), error) {
	typed := restFor(c, gvr.GroupVersion())
	if typed == nil {
		return func(ctx context.Context, opts metav1.ListOptions) ([]runtime.Object, string, error) {
			list, err := c.Dynamic.Resource(gvr).Namespace(ns).List(ctx, opts)
			if err != nil {
				return nil, "", err
			}
			items := make([]runtime.Object, len(list.Items))
			for i := range list.Items {
				items[i] = &list.Items[i]
			}
			return items, list.GetContinue(), nil
		}, nil
	}
	newList, _, err := listTypes(gvr)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, opts metav1.ListOptions) ([]runtime.Object, string, error) {
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
	}, nil
}
