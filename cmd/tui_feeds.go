package cmd

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/client-go/rest"

	"github.com/tiergate/tiergate/ui"
)

// liveFeeds opens live sources for the view: the first for the scope the
// flags name, one per ":ns" outside it, and one per context ":ctx" (or
// the fleet) opens. The view stops each when it leaves it; whatever still
// runs when the program ends is stopped then.
type liveFeeds struct {
	opts  ScopeOptions // the flags' scope, before the current context's namespace is read
	ctx   context.Context
	tools func(*rest.Config) (ui.Tools, error)
	// timeout bounds a feed's connection and access checks (the fleet's
	// --cluster-timeout): a cluster that hangs is given up and said.
	timeout time.Duration
	// connecting bounds the contexts that connect at once (the fleet's
	// --cluster-concurrency).
	connecting chan struct{}
	mu         sync.Mutex
	next       int
	running    map[int]func()
}

func newLiveFeeds(ctx context.Context, opts ScopeOptions, tools func(*rest.Config) (ui.Tools, error), fleet FleetOptions) *liveFeeds {
	return &liveFeeds{opts: opts, ctx: ctx, tools: tools, timeout: fleet.ClusterTimeout,
		connecting: make(chan struct{}, max(1, fleet.Concurrency)), running: map[int]func(){}}
}

// open starts a source for namespace ("" for all) of the flags' context.
func (f *liveFeeds) open(namespace string) (*ui.Feed, error) {
	return f.openScope(f.opts, namespace)
}

// openContext starts a source for one kubeconfig context: the flags'
// scope (-n, -A, -l; without -n or -A the context's own namespace) on its
// cluster, with its own tools, resolved as the fleet audit resolves each
// context. At most --cluster-concurrency connect together; one that has
// not connected within --cluster-timeout is given up.
func (f *liveFeeds) openContext(name string) (*ui.Feed, error) {
	f.connecting <- struct{}{}
	defer func() { <-f.connecting }()
	raw, _, err := (&FleetOptions{Contexts: []string{name}}).resolve(f.opts.kube.ToRawKubeConfigLoader())
	if err != nil {
		return nil, err
	}
	scope, err := f.opts.contextScope(raw, name)
	if err != nil {
		return nil, err
	}
	tools, err := f.tools(scope.restConfig)
	if err != nil {
		return nil, err
	}
	ns := scope.namespace
	if scope.AllNamespaces {
		ns = ""
	}
	feed, err := f.openScope(scope, ns)
	if err != nil {
		return nil, err
	}
	feed.Context, feed.Server, feed.Namespace, feed.Tools = name, scope.restConfig.Host, ns, &tools
	feed.Open = func(namespace string) (*ui.Feed, error) { return f.openScope(scope, namespace) }
	return feed, nil
}

// openScope starts a source for namespace ("" for all) of scope's
// cluster: access checks, informers, and the wait for their first list
// in the background. Until it is done the view says "syncing"; what
// fails to list becomes a gap, and a pod list that fails shows as the
// snapshots' error.
func (f *liveFeeds) openScope(o ScopeOptions, namespace string) (*ui.Feed, error) {
	o.namespace = namespace
	o.AllNamespaces = namespace == ""
	ctx, cancel := context.WithCancel(f.ctx)
	var timer *time.Timer
	if f.timeout > 0 {
		timer = time.AfterFunc(f.timeout, cancel)
	}
	src, request, err := o.source(ctx)
	// Stopped now, or it fired: then ctx is (being) cancelled and the
	// feed would end unseen, so it is given up. (A flag read before a
	// deferred Stop left a window in which the timer could still fire.)
	if timer != nil && !timer.Stop() {
		if err == nil {
			src.Stop()
		}
		err = fmt.Errorf("not connected in %v (--cluster-timeout)", f.timeout)
	}
	if err != nil {
		cancel()
		return nil, err
	}
	ch := src.Subscribe()
	src.Start(ctx)
	go func() {
		syncCtx, stop := context.WithTimeout(ctx, syncTimeout(request))
		defer stop()
		_ = src.WaitForSync(syncCtx)
	}()
	f.mu.Lock()
	id := f.next
	f.next++
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			src.Stop()
			f.mu.Lock()
			delete(f.running, id)
			f.mu.Unlock()
		})
	}
	f.running[id] = stop
	f.mu.Unlock()
	return &ui.Feed{Snapshots: ch, Scope: o.title(), Stop: stop}, nil
}

func (f *liveFeeds) stopAll() {
	f.mu.Lock()
	var stops []func()
	for _, stop := range f.running {
		stops = append(stops, stop)
	}
	f.mu.Unlock()
	for _, stop := range stops {
		stop()
	}
}
