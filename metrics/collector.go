package metrics

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tiergate/tiergate/internal/textutil"
)

// PodScraper fetches a pod's metrics endpoint (through the API server's
// pod proxy).
type PodScraper interface {
	Scrape(ctx context.Context, pod PodKey, port Port) (body []byte, contentType string, err error)
}

// NodeReader fetches a kubelet's Summary API and cAdvisor metrics
// (through the API server's node proxy).
type NodeReader interface {
	Summary(ctx context.Context, node string) ([]byte, error)
	CAdvisor(ctx context.Context, node string) (body []byte, contentType string, err error)
}

// WorkingSetReader lists the pods' working set from metrics.k8s.io.
type WorkingSetReader interface {
	WorkingSet(ctx context.Context, namespace string) (map[PodKey]float64, error)
}

// Sources are the places figures come from; each may be nil.
type Sources struct {
	Prometheus Querier
	Pods       PodScraper
	Nodes      NodeReader
	WorkingSet WorkingSetReader
}

// Options tune a Collector.
type Options struct {
	// Concurrency bounds the requests in flight (default 8).
	Concurrency int
	// Timeout bounds each request (default 3s).
	Timeout time.Duration
	// Window is the PromQL rate window (default 2m).
	Window string
	// Kubelets bounds the nodes whose kubelet (Summary API, else
	// cAdvisor) one collection reads through the API server's node proxy
	// (default DefaultKubelets). The nodes read longest ago go first; the
	// pods of the others keep their node's last figure, marked with when
	// it was read (Pod.RSSAt). Measure, a one-shot reading, reads them all.
	Kubelets int
	Now      func() time.Time
}

// DefaultKubelets is the kubelets one collection reads at most: every 5s
// that is 8 requests a second through the API server, however many
// nodes the scope spans (1,000 nodes would otherwise be 200 a second).
const DefaultKubelets = 40

// Snapshot is the figures of one collection.
type Snapshot struct {
	At   time.Time
	Pods map[PodKey]*Pod
	// Kubelets says how the RSS of this collection was read.
	Kubelets KubeletReads
	// Notes are what the user should know about the sources (one is
	// forbidden, or absent), each returned by the first collection that
	// finds it only.
	Notes []string
}

// KubeletReads is how many nodes' kubelets a collection read of those
// its pods run on, and when the oldest figure it carries over was read.
type KubeletReads struct {
	Read, Nodes int
	// Oldest is the read time of the oldest node figure carried over from
	// an earlier collection; zero when none is.
	Oldest time.Time
}

// Collector reads the figures of a set of pods from its sources. It keeps
// the last reading of each directly scraped pod, so that the next
// collection has a rate; Collect calls must not overlap.
type Collector struct {
	src  Sources
	opts Options

	mu sync.Mutex // one collection at a time
	// state guards prev and ports, which a collection's scrapes share.
	state sync.Mutex
	prev  map[PodKey]Reading
	ports map[PodKey]Port // the port that answered, per pod
	// nodes is each node's last kubelet reading, for the collections
	// that leave it to its turn.
	nodes map[string]nodeMemory
	said  map[string]bool
}

// nodeMemory is one node's kubelet reading.
type nodeMemory struct {
	at     time.Time
	rss    map[PodKey]float64
	source string
	err    error
}

// NewCollector returns a collector over src.
func NewCollector(src Sources, opts Options) *Collector {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 3 * time.Second
	}
	if opts.Window == "" {
		opts.Window = "2m" // two samples even at a 1m scrape interval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Kubelets <= 0 {
		opts.Kubelets = DefaultKubelets
	}
	return &Collector{src: src, opts: opts, prev: map[PodKey]Reading{}, ports: map[PodKey]Port{}, nodes: map[string]nodeMemory{}, said: map[string]bool{}}
}

// run is one collection: the pods' figures, filled by the stages
// concurrently under one bound on requests in flight.
type run struct {
	c *Collector
	// kubelets is how many nodes' kubelets this run may read.
	kubelets int
	// reads is how the run read RSS, for its snapshot.
	reads KubeletReads
	sem   chan struct{}
	mu    sync.Mutex
	pods  map[PodKey]*Pod
	tgt   map[PodKey]Target
	// notes found in this run.
	notes []string
}

// Collect reads the figures of targets; exporters are DCGM exporter pods
// to scrape when Prometheus gives no GPU figure.
func (c *Collector) Collect(ctx context.Context, targets, exporters []Target) *Snapshot {
	return c.collect(ctx, targets, exporters, c.opts.Kubelets)
}

func (c *Collector) collect(ctx context.Context, targets, exporters []Target, kubelets int) *Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := &run{c: c, kubelets: kubelets, sem: make(chan struct{}, c.opts.Concurrency), pods: map[PodKey]*Pod{}, tgt: map[PodKey]Target{}}
	for _, t := range targets {
		p := &Pod{}
		switch {
		case !t.Running:
			p.why(FigureRSS, WhyNotRunning)
			p.why(FigureTokens, WhyNotRunning)
			p.why(FigureGPU, WhyNotRunning)
		case !t.Server:
			p.why(FigureTokens, WhyNotServer)
		}
		if !t.GPUs {
			p.why(FigureGPU, WhyNoGPU)
		}
		r.pods[t.PodKey] = p
		r.tgt[t.PodKey] = t
	}
	// Pods gone since the last collection are forgotten.
	c.state.Lock()
	for k := range c.prev {
		if _, ok := r.tgt[k]; !ok {
			delete(c.prev, k)
			delete(c.ports, k)
		}
	}
	c.state.Unlock()
	var wg sync.WaitGroup
	wg.Go(func() { r.memory(ctx) })
	wg.Go(func() { r.serving(ctx) })
	wg.Go(func() { r.gpus(ctx, exporters) })
	wg.Wait()
	for _, p := range r.pods {
		p.settle()
	}
	snap := &Snapshot{At: c.opts.Now(), Pods: r.pods, Kubelets: r.reads}
	for _, n := range r.notes {
		if !c.said[n] {
			c.said[n] = true
			snap.Notes = append(snap.Notes, n)
		}
	}
	slices.Sort(snap.Notes)
	return snap
}

// call runs one request under the bound and the per-request timeout.
func (r *run) call(ctx context.Context, fn func(context.Context)) {
	select {
	case r.sem <- struct{}{}:
		defer func() { <-r.sem }()
	case <-ctx.Done():
		fn(ctx) // fails at once, and says why: timed out, not "no source"
		return
	}
	ctx, cancel := context.WithTimeout(ctx, r.c.opts.Timeout)
	defer cancel()
	fn(ctx)
}

// each runs fn for every item concurrently, each through call.
func each[T any](ctx context.Context, r *run, items []T, fn func(context.Context, T)) {
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Go(func() { r.call(ctx, func(ctx context.Context) { fn(ctx, it) }) })
	}
	wg.Wait()
}

func (r *run) note(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Contains(r.notes, s) {
		r.notes = append(r.notes, s)
	}
}

// update changes a pod's figures under the run's lock.
func (r *run) update(k PodKey, fn func(*Pod)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.pods[k]; p != nil {
		fn(p)
	}
}

// running are the targets that run, filtered.
func (r *run) running(keep func(Target) bool) []Target {
	var out []Target
	for _, k := range slices.SortedFunc(maps.Keys(r.tgt), func(a, b PodKey) int { return strings.Compare(a.String(), b.String()) }) {
		if t := r.tgt[k]; t.Running && keep(t) {
			out = append(out, t)
		}
	}
	return out
}

// denied tells an RBAC denial, a Status the API server decoded ("pods
// \"x\" is forbidden: User \"u\" cannot get resource \"pods/proxy\""),
// from a 403 that came through the proxy from elsewhere (the proxy's own
// refusal, or the pod's endpoint), which client-go marks as an
// unexpected server response.
func denied(err error) bool {
	var se apierrors.APIStatus
	if !errors.As(err, &se) || se.Status().Reason != metav1.StatusReasonForbidden {
		return false
	}
	if d := se.Status().Details; d != nil {
		for _, c := range d.Causes {
			if c.Type == metav1.CauseTypeUnexpectedServerResponse {
				return false
			}
		}
	}
	return true
}

// refused tells the API server's proxy refusing an address (loopback,
// link-local: a kwok node's, say) from other errors.
func refused(err error) bool {
	msg := err.Error()
	return apierrors.IsBadRequest(err) || strings.Contains(msg, "resolve_deny") || strings.Contains(msg, "address not allowed")
}

// reason words an error for a cell: forbidden, timed out, or unreachable.
func reason(err error) string {
	switch {
	case errors.Is(err, errNoEngine):
		return "no LLM metrics"
	case errors.Is(err, errNoPort):
		return "no metrics port"
	case denied(err):
		return WhyForbidden
	case refused(err):
		return WhyRefused
	case apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err):
		return "endpoint denied" // the pod's own endpoint wants credentials
	case errors.Is(err, context.DeadlineExceeded) || apierrors.IsTimeout(err):
		return "timed out"
	case apierrors.IsNotFound(err):
		return "not found"
	}
	return "unreachable"
}

// memory reads RSS from each node's Summary API, else its cAdvisor
// metrics, and the working set from metrics.k8s.io for the pods left.
func (r *run) memory(ctx context.Context) {
	targets := r.running(func(Target) bool { return true })
	byNode := map[string][]PodKey{}
	for _, t := range targets {
		if t.Node != "" {
			byNode[t.Node] = append(byNode[t.Node], t.PodKey)
		}
	}
	if r.c.src.Nodes != nil {
		r.kubeletMemory(ctx, byNode)
	}
	if r.c.src.WorkingSet == nil {
		return
	}
	var namespaces []string
	for _, t := range targets {
		if r.pods[t.PodKey].RSSBytes == nil && !slices.Contains(namespaces, t.Namespace) {
			namespaces = append(namespaces, t.Namespace)
		}
	}
	each(ctx, r, namespaces, func(ctx context.Context, ns string) {
		ws, err := r.c.src.WorkingSet.WorkingSet(ctx, ns)
		switch {
		case err == nil:
		case apierrors.IsNotFound(err) || apierrors.IsServiceUnavailable(err):
			r.note("memory: metrics.k8s.io is not served (no metrics-server)")
		case apierrors.IsForbidden(err):
			r.note("memory: metrics.k8s.io pods are forbidden in " + ns)
		default:
			r.note("memory: metrics.k8s.io in " + ns + ": " + textutil.OneLine(err.Error()))
		}
		for _, t := range targets {
			if t.Namespace != ns {
				continue
			}
			r.update(t.PodKey, func(p *Pod) {
				if p.RSSBytes != nil {
					return
				}
				if v, ok := ws[t.PodKey]; ok {
					p.RSSBytes, p.RSSSource = &v, SourceWorkingSet
				} else if err != nil && p.Why[FigureRSS] == "" {
					p.why(FigureRSS, reason(err))
				}
			})
		}
	})
}

// kubeletMemory reads the RSS of the pods on each node from its kubelet:
// the nodes read longest ago (never first) up to the run's budget; the
// pods of the others keep their node's last figure, with its time, or
// wait their turn.
func (r *run) kubeletMemory(ctx context.Context, byNode map[string][]PodKey) {
	c := r.c
	c.state.Lock()
	for n := range c.nodes {
		if _, ok := byNode[n]; !ok {
			delete(c.nodes, n) // no pod in scope runs there any more
		}
	}
	last := maps.Clone(c.nodes)
	c.state.Unlock()
	nodes := slices.SortedFunc(maps.Keys(byNode), func(a, b string) int {
		return cmp.Or(last[a].at.Compare(last[b].at), strings.Compare(a, b))
	})
	turn := nodes[:min(r.kubelets, len(nodes))]
	r.reads = KubeletReads{Read: len(turn), Nodes: len(nodes)}
	each(ctx, r, turn, func(ctx context.Context, node string) {
		rss, source, err := r.nodeRSS(ctx, node)
		c.state.Lock()
		c.nodes[node] = nodeMemory{at: c.opts.Now(), rss: rss, source: source, err: err}
		c.state.Unlock()
		r.setRSS(byNode[node], nodeMemory{rss: rss, source: source, err: err})
	})
	for _, node := range nodes[len(turn):] {
		m, ok := last[node]
		if !ok {
			for _, k := range byNode[node] {
				r.update(k, func(p *Pod) { p.why(FigureRSS, WhyQueued) })
			}
			continue
		}
		if r.reads.Oldest.IsZero() || m.at.Before(r.reads.Oldest) {
			r.reads.Oldest = m.at
		}
		r.setRSS(byNode[node], m)
	}
}

// setRSS gives pods their node's reading; one carried over from an
// earlier collection (its at is set) says when it was read.
func (r *run) setRSS(pods []PodKey, m nodeMemory) {
	for _, k := range pods {
		r.update(k, func(p *Pod) {
			if v, ok := m.rss[k]; ok {
				p.RSSBytes, p.RSSSource = &v, m.source
				if !m.at.IsZero() {
					at := m.at
					p.RSSAt = &at
				}
			} else if m.err != nil {
				p.why(FigureRSS, reason(m.err))
			} else if !m.at.IsZero() {
				// Newer than its node's last reading: it waits for the
				// node's next turn.
				p.why(FigureRSS, WhyQueued)
			}
		})
	}
}

// nodeRSS reads a node's pods' RSS: the Summary API, else cAdvisor.
func (r *run) nodeRSS(ctx context.Context, node string) (map[PodKey]float64, string, error) {
	body, err := r.c.src.Nodes.Summary(ctx, node)
	if err == nil {
		rss, perr := SummaryRSS(body)
		if perr == nil && len(rss) > 0 {
			return rss, SourceSummary, nil
		}
	}
	if denied(err) {
		r.note("memory: nodes/proxy is forbidden, so RSS is not readable; the working set from metrics.k8s.io is shown where allowed")
		return nil, "", err
	}
	body, ct, cerr := r.c.src.Nodes.CAdvisor(ctx, node)
	if cerr != nil {
		err = cmpErr(err, cerr)
		// The reason, not the error: it names the node, and one note
		// says it for all of them.
		r.note("memory: kubelets are not reachable through the API server's node proxy (" + reason(err) + ")")
		return nil, "", err
	}
	fams, perr := Parse(body, ct)
	if perr != nil {
		return nil, "", fmt.Errorf("cadvisor of %s: %w", node, perr)
	}
	return CAdvisorRSSByPod(fams), SourceCAdvisor, nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// Measure collects, and when a server's rate needs a second scrape (no
// Prometheus gave it), waits gap and collects again: a one-shot reading
// for the command line.
func (c *Collector) Measure(ctx context.Context, targets, exporters []Target, gap time.Duration) *Snapshot {
	all := len(targets) // a one-shot reading reads every kubelet once
	first := c.collect(ctx, targets, exporters, all)
	again := false
	for _, p := range first.Pods {
		again = again || p.Why[FigureTokens] == WhyMeasuring
	}
	if !again {
		return first
	}
	select {
	case <-time.After(gap):
	case <-ctx.Done():
		return first
	}
	second := c.collect(ctx, targets, exporters, all)
	second.Notes = append(first.Notes, second.Notes...)
	slices.Sort(second.Notes)
	return second
}
