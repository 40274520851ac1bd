package cluster

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/kinds"
)

// Options choose what a Source watches.
type Options struct {
	// Namespace limits namespaced resources to one namespace; "" is all.
	Namespace string
	// Selector keeps only workloads whose labels (or pod template's) match.
	Selector labels.Selector
	// Coalesce is how long a burst of watch events may last before one
	// snapshot is published (default 200ms).
	Coalesce time.Duration
	// Probe is how often the server's health is checked (default 3s):
	// informers retry a refused watch quietly, so a server that went away
	// is noticed by asking it.
	Probe time.Duration
}

// Snapshot is a consistent view of the cluster for one audit.
type Snapshot struct {
	// Generation grows with every snapshot; a consumer drops results
	// computed from an older one.
	Generation uint64
	// Synced is false until the informers have listed once: until then a
	// consumer says "syncing", not "nothing found".
	Synced    bool
	Inventory *audit.Inventory
	// Err says why the data may be stale (the server is gone, access was
	// revoked); nil while the watches are healthy.
	Err  error
	Time time.Time
}

// Source runs the informers of one live session.
type Source struct {
	c    *Clients
	opts Options

	factory informers.SharedInformerFactory
	dynamic dynamicinformer.DynamicSharedInformerFactory
	watched []*watched
	cancel  context.CancelFunc

	// Typed handles; nil when forbidden or dropped for not syncing.
	pods, nodes, runtimeClasses, netpols, sas, kserve, nss *watched
	owners, pools                                          []*watched
	// rbac are roles and bindings: who may create agent sandboxes.
	rbac []*watched
	// dra are Dynamic Resource Allocation's claims, templates, classes
	// and slices (cluster/dra.go).
	dra []*watched
	// customs are the registry's custom workload kinds the cluster
	// serves (servedCustoms); kserve is the InferenceServices' among them.
	customs []*watched

	dirty chan struct{}
	mu    sync.Mutex
	gaps  []Gap
	gen   uint64
	down  error // the health probe's verdict
	subs  []chan *Snapshot
}

// watched is one informer and its last watch error.
type watched struct {
	r   readable
	inf cache.SharedIndexInformer
	err error // guarded by Source.mu
	// errRV is the resource version the informer had synced to when err
	// was seen: once it moves (a relist, an event, a bookmark) the watch
	// works again. Guarded by Source.mu.
	errRV string
}

// recoveryCheck is how often failed watches are checked for recovery.
var recoveryCheck = time.Second

// NewSource checks what the user may read and prepares informers for it.
// Custom resources are watched only when discovery says they are served.
func NewSource(ctx context.Context, c *Clients, opts Options) (*Source, error) {
	if opts.Coalesce == 0 {
		opts.Coalesce = 200 * time.Millisecond
	}
	if opts.Probe == 0 {
		opts.Probe = 3 * time.Second
	}
	want, customs, unknown := wanted(ctx, c)
	ok, gaps, err := checkAccess(ctx, c.Kube, want, opts.Namespace)
	if err != nil {
		return nil, err
	}
	gaps = append(gaps, unknown...)
	s := &Source{c: c, opts: opts, gaps: gaps, dirty: make(chan struct{}, 1)}
	s.factory = informers.NewSharedInformerFactoryWithOptions(c.Kube, 0,
		informers.WithNamespace(opts.Namespace), informers.WithTransform(strip))
	s.dynamic = dynamicinformer.NewFilteredDynamicSharedInformerFactory(c.Dynamic, 0, opts.Namespace, nil)
	s.setup(ok, customs)
	return s, nil
}

// wanted is what the live audit reads from this server, and of it the
// custom workload kinds the server serves (discovery decides); unknown
// are the gaps of what discovery could not say it serves or not.
func wanted(ctx context.Context, c *Clients) (want, customs []readable, unknown []Gap) {
	served, failed := discover(ctx, c)
	want = []readable{resPods, resNodes, resRuntimeClasses, resNetworkPolicies, resServiceAccounts, resNamespaces}
	want = append(want, controllers()...)
	want = append(want, resRoles, resRoleBindings, resClusterRoles, resClusterBindings)
	for _, r := range []readable{resInferencePools, resInferencePoolsA} {
		if served.serves(r.gvr) {
			want = append(want, r)
		}
	}
	customs = served.customsServed()
	want = append(want, customs...)
	want = append(want, served.draServed()...)
	return want, customs, failed.gaps(served)
}

// setup creates informers only for what the user may read: asking a
// factory for an informer registers it, and a forbidden one would retry
// and log forever.
func (s *Source) setup(allowed map[schema.GroupVersionResource]bool, customs []readable) {
	add := func(r readable, make func() (cache.SharedIndexInformer, error)) *watched {
		if !allowed[r.gvr] {
			return nil
		}
		inf, err := make()
		if err != nil {
			s.gaps = append(s.gaps, Gap{Resource: r.name(), Scope: textutil.OneLine(err.Error()), Loss: r.loss, reason: "unsynced"})
			return nil
		}
		w := &watched{r: r, inf: inf}
		_ = w.inf.SetWatchErrorHandler(func(_ *cache.Reflector, err error) { s.watchFailed(w, err) })
		_, _ = w.inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(any) { s.event(w) },
			UpdateFunc: func(any, any) { s.event(w) },
			DeleteFunc: func(any) { s.event(w) },
		})
		s.watched = append(s.watched, w)
		return w
	}
	f := s.factory
	// Built-in resources: the factory's typed informer for the resource,
	// which keeps protobuf and the transform.
	typed := func(r readable) func() (cache.SharedIndexInformer, error) {
		return func() (cache.SharedIndexInformer, error) {
			gi, err := f.ForResource(r.gvr)
			if err != nil {
				return nil, err
			}
			return gi.Informer(), nil
		}
	}
	s.pods = add(resPods, typed(resPods))
	s.nodes = add(resNodes, typed(resNodes))
	s.runtimeClasses = add(resRuntimeClasses, typed(resRuntimeClasses))
	s.netpols = add(resNetworkPolicies, typed(resNetworkPolicies))
	s.sas = add(resServiceAccounts, typed(resServiceAccounts))
	s.nss = add(resNamespaces, typed(resNamespaces))
	for _, r := range []readable{resRoles, resRoleBindings, resClusterRoles, resClusterBindings} {
		if w := add(r, typed(r)); w != nil {
			s.rbac = append(s.rbac, w)
		}
	}
	for _, r := range controllers() {
		if w := add(r, typed(r)); w != nil {
			s.owners = append(s.owners, w)
		}
	}
	dyn := func(r readable) func() (cache.SharedIndexInformer, error) {
		return func() (cache.SharedIndexInformer, error) {
			inf := s.dynamic.ForResource(r.gvr).Informer()
			_ = inf.SetTransform(stripPool)
			return inf, nil
		}
	}
	for _, r := range []readable{resInferencePools, resInferencePoolsA} {
		if w := add(r, dyn(r)); w != nil {
			s.pools = append(s.pools, w)
		}
	}
	for _, r := range customs {
		w := add(r, func() (cache.SharedIndexInformer, error) {
			inf := s.dynamic.ForResource(r.gvr).Informer()
			_ = inf.SetTransform(stripWorkload)
			return inf, nil
		})
		if w == nil {
			continue
		}
		s.customs = append(s.customs, w)
		if r.kind == kinds.InferenceService {
			s.kserve = w
		}
	}
	s.setupDRA(add)
}

// Gaps lists what the user may not read (or what did not sync), one line
// each.
func (s *Source) Gaps() []Gap {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Gap(nil), s.gaps...)
}

// Start runs the informers, the loop that publishes coalesced snapshots
// to subscribers, and the health probe, until ctx ends or Stop.
func (s *Source) Start(ctx context.Context) {
	ctx, s.cancel = context.WithCancel(ctx)
	s.factory.Start(ctx.Done())
	s.dynamic.Start(ctx.Done())
	go s.publishLoop(ctx)
	go s.probeLoop(ctx)
	go s.recoveryLoop(ctx)
}

// recoveryLoop clears the error of each watch that has recovered. A watch
// is cleared by its events too, but one whose resource did not change
// while it was down (no RuntimeClass created, an empty list) sends none:
// its relist, or a bookmark, moves its resource version and nothing else
// says so; without this the snapshots would stay stale for good.
func (s *Source) recoveryLoop(ctx context.Context) {
	t := time.NewTicker(recoveryCheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if s.clearRecovered() {
			s.markDirty()
		}
	}
}

// clearRecovered clears the errors of watches whose informer has synced
// to another resource version since they failed, and says whether any.
func (s *Source) clearRecovered() bool {
	s.mu.Lock()
	failed := map[*watched]string{}
	for _, w := range s.watched {
		if w.err != nil {
			failed[w] = w.errRV
		}
	}
	s.mu.Unlock()
	var recovered []*watched
	for w, rv := range failed {
		if w.inf.LastSyncResourceVersion() != rv {
			recovered = append(recovered, w)
		}
	}
	if len(recovered) == 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range recovered {
		if w.errRV == failed[w] { // not failed again meanwhile
			w.err = nil
		}
	}
	return true
}

// Stop ends the watches and waits for the informers' goroutines.
func (s *Source) Stop() {
	if s.cancel != nil {
		s.cancel()
	}
	s.factory.Shutdown()
	s.dynamic.Shutdown()
}

// probeLoop asks the server whether it is there; while it is not, the
// snapshots carry the error and the last data they had.
func (s *Source) probeLoop(ctx context.Context) {
	t := time.NewTicker(s.opts.Probe)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := s.c.Ping(ctx, s.opts.Probe)
		if ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		changed := (err == nil) != (s.down == nil)
		s.down = err
		s.mu.Unlock()
		if changed {
			s.markDirty()
		}
	}
}

// WaitForSync blocks until the pods have listed once and every other
// informer has listed or failed, or ctx ends. An optional informer that
// did not sync is dropped and becomes a gap; the audit of the rest goes
// on. Pods that did not sync are an error naming why.
func (s *Source) WaitForSync(ctx context.Context) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		pending := 0
		s.mu.Lock()
		for _, w := range s.watched {
			if !w.inf.HasSynced() && (w == s.pods || w.err == nil) {
				pending++
			}
		}
		s.mu.Unlock()
		if pending == 0 || (s.pods != nil && s.pods.inf.HasSynced() && ctx.Err() != nil) {
			break
		}
		select {
		case <-ctx.Done():
			if !s.pods.inf.HasSynced() {
				s.mu.Lock()
				err := s.pods.err
				s.mu.Unlock()
				if err != nil {
					return Explain(s.c.Server, fmt.Errorf("pods: %w", err))
				}
				return fmt.Errorf("the server %s: pods did not list within the timeout", s.c.Server)
			}
		case <-tick.C:
		}
	}
	s.dropUnsynced()
	// Snapshots are published on events: when the last list to finish
	// was empty none followed it, so subscribers hear of the sync here.
	s.markDirty()
	return nil
}

// dropUnsynced turns informers that did not list into gaps.
func (s *Source) dropUnsynced() {
	s.mu.Lock()
	defer s.mu.Unlock()
	keep := s.watched[:0]
	for _, w := range s.watched {
		if w.inf.HasSynced() || w == s.pods {
			keep = append(keep, w)
			continue
		}
		why := "did not list"
		if w.err != nil {
			why = "failed to list: " + textutil.OneLine(w.err.Error())
		}
		s.gaps = append(s.gaps, Gap{Resource: w.r.name(), Scope: why, Loss: w.r.loss, reason: "unsynced"})
		s.forget(w)
	}
	s.watched = keep
}

// forget clears the typed handle of a dropped informer.
func (s *Source) forget(w *watched) {
	for _, h := range []**watched{&s.nodes, &s.runtimeClasses, &s.netpols, &s.sas, &s.kserve, &s.nss} {
		if *h == w {
			*h = nil
		}
	}
	s.owners = without(s.owners, w)
	s.pools = without(s.pools, w)
	s.rbac = without(s.rbac, w)
	s.dra = without(s.dra, w)
	s.customs = without(s.customs, w)
}

func without(ws []*watched, w *watched) []*watched {
	out := ws[:0]
	for _, x := range ws {
		if x != w {
			out = append(out, x)
		}
	}
	return out
}

func (s *Source) synced() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.watched {
		if !w.inf.HasSynced() {
			return false
		}
	}
	return true
}

// Subscribe returns a channel that receives the latest snapshot after
// every burst of changes (and one at once). A slow reader only ever
// misses intermediate snapshots, never the newest. The channel is closed
// when the source stops.
func (s *Source) Subscribe() <-chan *Snapshot {
	ch := make(chan *Snapshot, 1)
	s.mu.Lock()
	s.subs = append(s.subs, ch)
	s.mu.Unlock()
	s.markDirty()
	return ch
}

// event notes a change from one informer; its flowing events also mean
// its watch has recovered.
func (s *Source) event(w *watched) {
	s.mu.Lock()
	w.err = nil
	s.mu.Unlock()
	s.markDirty()
}

func (s *Source) watchFailed(w *watched, err error) {
	rv := w.inf.LastSyncResourceVersion()
	s.mu.Lock()
	w.err, w.errRV = err, rv
	s.mu.Unlock()
	s.markDirty()
}

func (s *Source) markDirty() {
	select {
	case s.dirty <- struct{}{}:
	default:
	}
}

// currentErr is the probe's verdict, else the first failing watch.
func (s *Source) currentErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down != nil {
		return s.down
	}
	for _, w := range s.watched {
		if w.err != nil {
			return Explain(s.c.Server, fmt.Errorf("%s: %w", w.r.name(), w.err))
		}
	}
	return nil
}

func (s *Source) publishLoop(ctx context.Context) {
	defer func() {
		s.mu.Lock()
		for _, ch := range s.subs {
			close(ch)
		}
		s.subs = nil
		s.mu.Unlock()
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.dirty:
		}
		// Let the burst finish: one snapshot for many events.
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.opts.Coalesce):
		}
		select {
		case <-s.dirty:
		default:
		}
		s.mu.Lock()
		n := len(s.subs)
		s.mu.Unlock()
		if n == 0 {
			continue // nobody to tell: build nothing
		}
		snap := s.Snapshot()
		s.mu.Lock()
		for _, ch := range s.subs {
			select {
			case <-ch: // drop the unread older snapshot
			default:
			}
			ch <- snap
		}
		s.mu.Unlock()
	}
}

// Snapshot builds an inventory from the informer caches now.
func (s *Source) Snapshot() *Snapshot {
	s.mu.Lock()
	s.gen++
	snap := &Snapshot{Generation: s.gen, Time: time.Now()}
	s.mu.Unlock()
	snap.Err = s.currentErr()
	snap.Synced = s.synced()
	snap.Inventory = s.inventory()
	return snap
}

func (s *Source) inventory() *audit.Inventory {
	s.mu.Lock()
	pods, nodes, rcs, netpols, sas, kserve, nss := s.pods, s.nodes, s.runtimeClasses, s.netpols, s.sas, s.kserve, s.nss
	owners, pools := append([]*watched(nil), s.owners...), append([]*watched(nil), s.pools...)
	rbac, customs := append([]*watched(nil), s.rbac...), append([]*watched(nil), s.customs...)
	dra := append([]*watched(nil), s.dra...)
	gaps := append([]Gap(nil), s.gaps...)
	s.mu.Unlock()
	return buildInventory(&lists{
		pods: listingOf(pods), nodes: listingOf(nodes), runtimeClasses: listingOf(rcs), netpols: listingOf(netpols),
		sas: listingOf(sas), kserve: listingOf(kserve), nss: listingOf(nss),
		owners: listingsOf(owners), pools: listingsOf(pools), rbac: listingsOf(rbac), customs: listingsOf(customs), dra: listingsOf(dra),
		gaps: gaps,
	}, s.opts.Selector)
}

// listingOf is what an informer's cache holds now, nil for no informer.
func listingOf(w *watched) *listing {
	if w == nil {
		return nil
	}
	return &listing{r: w.r, objs: w.inf.GetStore().List()}
}

func listingsOf(ws []*watched) []*listing {
	out := make([]*listing, 0, len(ws))
	for _, w := range ws {
		out = append(out, listingOf(w))
	}
	return out
}
