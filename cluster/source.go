package cluster

import (
	"context"
	"fmt"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/crd"
)

// Options choose what a Source watches.
type Options struct {
	// Namespace limits namespaced resources to one namespace; "" is all.
	Namespace string
	// Selector keeps only pods whose labels match.
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
	// Generation grows with every published snapshot; a consumer drops
	// results computed from an older one.
	Generation uint64
	// Synced is false until every informer has listed once: until then a
	// consumer says "syncing", not "nothing found".
	Synced    bool
	Inventory *audit.Inventory
	// Err is the last watch error (server gone, access revoked) while the
	// data shown is stale; nil once watches recover.
	Err  error
	Time time.Time
}

// Source runs the informers of one live session.
type Source struct {
	c     *Clients
	opts  Options
	gaps  []Gap
	watch map[schema.GroupVersionResource]bool

	factory informers.SharedInformerFactory
	dynamic dynamicinformer.DynamicSharedInformerFactory
	synced  []cache.InformerSynced

	pods           cache.SharedIndexInformer
	nodes          cache.SharedIndexInformer
	runtimeClasses cache.SharedIndexInformer
	netpols        cache.SharedIndexInformer
	sas            cache.SharedIndexInformer
	owners         []cache.SharedIndexInformer
	pools          []cache.SharedIndexInformer
	kserve         cache.SharedIndexInformer

	dirty chan struct{}
	mu    sync.Mutex
	gen   uint64
	err   error
	subs  []chan *Snapshot
}

// NewSource checks what the user may read and prepares informers for it.
// Custom resources are watched only when discovery says they are served.
func NewSource(ctx context.Context, c *Clients, opts Options) (*Source, error) {
	if opts.Coalesce == 0 {
		opts.Coalesce = 200 * time.Millisecond
	}
	if opts.Probe == 0 {
		opts.Probe = 3 * time.Second
	}
	want := []readable{resPods, resNodes, resRuntimeClasses, resNetworkPolicies, resServiceAccounts, resReplicaSets, resDeployments, resStatefulSets, resDaemonSets, resJobs, resCronJobs}
	for _, r := range []readable{resInferencePools, resInferencePoolsA, resKServe} {
		if served(c, r.gvr) {
			want = append(want, r)
		}
	}
	ok, gaps, err := checkAccess(ctx, c.Kube, want, opts.Namespace)
	if err != nil {
		return nil, err
	}
	s := &Source{c: c, opts: opts, gaps: gaps, watch: ok, dirty: make(chan struct{}, 1)}
	s.factory = informers.NewSharedInformerFactoryWithOptions(c.Kube, 0,
		informers.WithNamespace(opts.Namespace), informers.WithTransform(strip))
	s.dynamic = dynamicinformer.NewFilteredDynamicSharedInformerFactory(c.Dynamic, 0, opts.Namespace, nil)
	s.setup()
	return s, nil
}

// served asks discovery whether a group/version serves a resource.
func served(c *Clients, gvr schema.GroupVersionResource) bool {
	list, err := c.Discovery.ServerResourcesForGroupVersion(gvr.GroupVersion().String())
	if err != nil {
		return false
	}
	for _, r := range list.APIResources {
		if r.Name == gvr.Resource {
			return true
		}
	}
	return false
}

func (s *Source) setup() {
	// add creates an informer only for what the user may read: asking the
	// factory for an informer registers it, and a forbidden one would
	// retry and log forever.
	add := func(gvr schema.GroupVersionResource, make func() cache.SharedIndexInformer) cache.SharedIndexInformer {
		if !s.watch[gvr] {
			return nil
		}
		inf := make()
		_ = inf.SetWatchErrorHandler(func(_ *cache.Reflector, err error) { s.setErr(err) })
		_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(any) { s.changed() },
			UpdateFunc: func(any, any) { s.changed() },
			DeleteFunc: func(any) { s.changed() },
		})
		s.synced = append(s.synced, inf.HasSynced)
		return inf
	}
	f := s.factory
	s.pods = add(resPods.gvr, func() cache.SharedIndexInformer { return f.Core().V1().Pods().Informer() })
	s.nodes = add(resNodes.gvr, func() cache.SharedIndexInformer { return f.Core().V1().Nodes().Informer() })
	s.runtimeClasses = add(resRuntimeClasses.gvr, func() cache.SharedIndexInformer { return f.Node().V1().RuntimeClasses().Informer() })
	s.netpols = add(resNetworkPolicies.gvr, func() cache.SharedIndexInformer { return f.Networking().V1().NetworkPolicies().Informer() })
	s.sas = add(resServiceAccounts.gvr, func() cache.SharedIndexInformer { return f.Core().V1().ServiceAccounts().Informer() })
	for _, o := range []struct {
		r    readable
		make func() cache.SharedIndexInformer
	}{
		{resReplicaSets, func() cache.SharedIndexInformer { return f.Apps().V1().ReplicaSets().Informer() }},
		{resDeployments, func() cache.SharedIndexInformer { return f.Apps().V1().Deployments().Informer() }},
		{resStatefulSets, func() cache.SharedIndexInformer { return f.Apps().V1().StatefulSets().Informer() }},
		{resDaemonSets, func() cache.SharedIndexInformer { return f.Apps().V1().DaemonSets().Informer() }},
		{resJobs, func() cache.SharedIndexInformer { return f.Batch().V1().Jobs().Informer() }},
		{resCronJobs, func() cache.SharedIndexInformer { return f.Batch().V1().CronJobs().Informer() }},
	} {
		if inf := add(o.r.gvr, o.make); inf != nil {
			s.owners = append(s.owners, inf)
		}
	}
	for _, r := range []readable{resInferencePools, resInferencePoolsA} {
		gvr := r.gvr
		if inf := add(gvr, func() cache.SharedIndexInformer { return s.dynamic.ForResource(gvr).Informer() }); inf != nil {
			s.pools = append(s.pools, inf)
		}
	}
	s.kserve = add(resKServe.gvr, func() cache.SharedIndexInformer { return s.dynamic.ForResource(resKServe.gvr).Informer() })
}

// Gaps lists what the user may not read, one line each.
func (s *Source) Gaps() []Gap { return s.gaps }

// Start runs the informers until ctx ends, the loop that publishes
// coalesced snapshots to subscribers, and the health probe.
func (s *Source) Start(ctx context.Context) {
	s.factory.Start(ctx.Done())
	s.dynamic.Start(ctx.Done())
	go s.publishLoop(ctx)
	go s.probeLoop(ctx)
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
		switch prev := s.lastErr(); {
		case err != nil && prev == nil:
			s.setErr(err)
		case err == nil && prev != nil:
			s.changed()
		}
	}
}

// WaitForSync blocks until every informer has listed once, or ctx ends.
func (s *Source) WaitForSync(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx.Done(), s.synced...) {
		if err := s.lastErr(); err != nil {
			return Explain(s.c.Server, err)
		}
		return fmt.Errorf("the server %s: caches did not sync: %v", s.c.Server, context.Cause(ctx))
	}
	return nil
}

func (s *Source) hasSynced() bool {
	for _, f := range s.synced {
		if !f() {
			return false
		}
	}
	return true
}

// Subscribe returns a channel that receives the latest snapshot after
// every burst of changes (and once at once). A slow reader only ever
// misses intermediate snapshots, never the newest.
func (s *Source) Subscribe() <-chan *Snapshot {
	ch := make(chan *Snapshot, 1)
	s.mu.Lock()
	s.subs = append(s.subs, ch)
	s.mu.Unlock()
	s.changed()
	return ch
}

func (s *Source) changed() {
	s.mu.Lock()
	s.err = nil // events flow again: the watch has recovered
	s.mu.Unlock()
	select {
	case s.dirty <- struct{}{}:
	default:
	}
}

func (s *Source) setErr(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
	select {
	case s.dirty <- struct{}{}:
	default:
	}
}

func (s *Source) lastErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *Source) publishLoop(ctx context.Context) {
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
	snap := &Snapshot{Generation: s.gen, Err: s.err, Time: time.Now()}
	s.mu.Unlock()
	snap.Synced = s.hasSynced()
	if snap.Err != nil {
		snap.Err = Explain(s.c.Server, snap.Err)
	}
	snap.Inventory = s.inventory()
	return snap
}

func (s *Source) inventory() *audit.Inventory {
	inv := &audit.Inventory{RuntimeClassesComplete: s.runtimeClasses != nil, NetworkPoliciesHidden: s.netpols == nil, ServiceAccountsHidden: s.sas == nil}
	for _, g := range s.gaps {
		inv.Gaps = append(inv.Gaps, g.String())
	}
	if s.nodes != nil {
		for _, o := range s.nodes.GetStore().List() {
			inv.Nodes = append(inv.Nodes, *o.(*corev1.Node))
		}
	}
	if s.runtimeClasses != nil {
		for _, o := range s.runtimeClasses.GetStore().List() {
			inv.RuntimeClasses = append(inv.RuntimeClasses, *o.(*nodev1.RuntimeClass))
		}
	}
	if s.netpols != nil {
		for _, o := range s.netpols.GetStore().List() {
			inv.NetworkPolicies = append(inv.NetworkPolicies, *o.(*networkingv1.NetworkPolicy))
		}
	}
	if s.sas != nil {
		for _, o := range s.sas.GetStore().List() {
			inv.ServiceAccounts = append(inv.ServiceAccounts, *o.(*corev1.ServiceAccount))
		}
	}
	for _, inf := range s.pools {
		for _, o := range inf.GetStore().List() {
			inv.InferencePools = append(inv.InferencePools, crd.InferencePool(o.(*unstructured.Unstructured)))
		}
	}
	owners := audit.OwnerIndex{}
	var ws []audit.Workload
	for _, inf := range s.owners {
		for _, o := range inf.GetStore().List() {
			addOwner(owners, o.(metav1.Object), typeKind(o))
			if w, ok := controllerWorkload(o); ok {
				ws = append(ws, w)
			}
		}
	}
	kserve := s.kserveFacts()
	pods := s.pods.GetStore().List()
	if ws == nil {
		ws = make([]audit.Workload, 0, len(pods))
	}
	for _, o := range pods {
		p := o.(*cachedPod)
		ws = append(ws, podWorkload(p, owners, kserve))
	}
	// Pods, and the controllers no pod runs from (scaled to zero, failing
	// admission, CronJobs between runs), as the offline audit of a dump;
	// then the label selector, in the same order as offline.
	ws, _ = audit.SelectWorkloads(ws)
	inv.Workloads = ws[:0]
	for i := range ws {
		if audit.Selected(&ws[i], "", s.opts.Selector) {
			inv.Workloads = append(inv.Workloads, ws[i])
		} else {
			inv.FilteredOut++
		}
	}
	return inv
}

// typeKind names the kind of a typed controller object from the owner
// informers (informer objects carry no TypeMeta).
func typeKind(o any) string {
	switch o.(type) {
	case *appsv1.ReplicaSet:
		return "ReplicaSet"
	case *appsv1.Deployment:
		return "Deployment"
	case *appsv1.StatefulSet:
		return "StatefulSet"
	case *appsv1.DaemonSet:
		return "DaemonSet"
	case *batchv1.Job:
		return "Job"
	case *batchv1.CronJob:
		return "CronJob"
	}
	return ""
}
