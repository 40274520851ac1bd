package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/internal/textutil"
)

// Runner starts the bench pods on a cluster and times them. It creates
// and deletes objects only in Namespace, which it creates labelled as
// the bench's and refuses to use when someone else's.
type Runner struct {
	Client    kubernetes.Interface
	Namespace string
	Pod       PodOptions
	// Runs pods are started one after another per target; then Burst at
	// once (0: no burst).
	Runs, Burst int
	// Timeout bounds each pod's start.
	Timeout time.Duration
	// Progress, when set, is told of each finished pod (from the
	// runner's goroutine; it must not block).
	Progress func(Progress)

	// Load drives the server pods (Pod.Server) once ready, through
	// Forward; its BaseURL is each pod's.
	Load    LoadOptions
	Forward ForwardFunc
	// Memory, when set, reads each target's steady pod's memory, polled
	// every MemoryPoll (5s) for at most MemoryWait (1m).
	Memory                 MemoryFunc
	MemoryWait, MemoryPoll time.Duration
	// memoryRefused are the nodes whose kubelet stats were refused or
	// unreachable: the RBAC may name nodes, a kubelet may deny the API
	// server or be firewalled, so one node's refusal is not the run's.
	memoryRefused map[string]bool

	mu     sync.Mutex
	routes map[string]chan observation
	// lost is closed when a watch ends for good (lostErr says why):
	// pods can no longer be timed.
	lost    chan struct{}
	lostErr error
}

// Progress is one finished bench pod or, with Stage, what the steady pod
// is doing now.
type Progress struct {
	Target string
	Stage  string // "loading the server", "reading memory"; "" for a finished pod
	// Skipped: the steady pod will not be started (nothing to measure).
	Skipped  bool
	Mode     string // "sequential", "burst" or "steady"
	Done     int
	Total    int
	Timeline Timeline
}

// TargetResult is what one target measured.
type TargetResult struct {
	Target     Target   `json:"target"`
	Sequential *Summary `json:"sequential,omitempty"`
	Burst      *Summary `json:"burst,omitempty"`
	// Steady is the one pod measured once ready: tokens/s, memory.
	Steady *Steady `json:"steady,omitempty"`
	// Nodes are the nodes its pods ran on.
	Nodes []string `json:"nodes,omitempty"`
}

// Result is a whole bench run.
type Result struct {
	RunID     string         `json:"runID"`
	Namespace string         `json:"namespace"`
	Started   time.Time      `json:"started"`
	Finished  time.Time      `json:"finished"`
	Targets   []TargetResult `json:"targets"`
	// Notes say what could not be measured and why (once each).
	Notes []string `json:"notes,omitempty"`
	// Environment is filled in by the caller, which knows the context.
	Environment *Environment `json:"environment,omitempty"`
}

// observation is one watch delivery for a bench pod, timed on arrival.
type observation struct {
	at      time.Time
	pod     *corev1.Pod
	deleted bool   // the pod is gone
	reason  string // an event's reason, when pod is nil
	msg     string
}

// NamespaceLabels mark the bench's namespace: cleanup deletes only
// namespaces carrying them, and Pod Security "restricted" is enforced
// there so that the bench pods are held to it.
func NamespaceLabels() map[string]string {
	return map[string]string{LabelManagedBy: ManagedBy, LabelComponent: Component,
		"pod-security.kubernetes.io/enforce": "restricted"}
}

// EnsureNamespace creates the bench namespace, or checks that an existing
// one is the bench's own.
func (r *Runner) EnsureNamespace(ctx context.Context) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: r.Namespace, Labels: NamespaceLabels()}}
	_, err := r.Client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	if err == nil {
		return nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", r.Namespace, err)
	}
	got, err := r.Client.CoreV1().Namespaces().Get(ctx, r.Namespace, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("namespace %s: %w", r.Namespace, err)
	}
	if !IsBenchNamespace(got) {
		return fmt.Errorf("namespace %s exists and is not tiergate bench's (no %s=%s label): name another with --namespace", r.Namespace, LabelComponent, Component)
	}
	if got.DeletionTimestamp != nil {
		return fmt.Errorf("namespace %s is being deleted (an earlier bench's cleanup): wait for it, or name another with --namespace", r.Namespace)
	}
	// Another run's pods: this run would time its own against theirs and
	// delete the namespace under it at the end.
	pods, err := r.Client.CoreV1().Pods(r.Namespace).List(ctx, metav1.ListOptions{LabelSelector: LabelComponent + "=" + Component, Limit: 1})
	if err != nil {
		return fmt.Errorf("namespace %s: %w", r.Namespace, err)
	}
	if len(pods.Items) > 0 {
		return fmt.Errorf("namespace %s holds pods of another bench run (run %s): wait for it to end, or run tiergate bench --cleanup if it was killed",
			r.Namespace, pods.Items[0].Labels[LabelRun])
	}
	return nil
}

// IsBenchNamespace says the namespace is one the bench created.
func IsBenchNamespace(ns *corev1.Namespace) bool {
	return ns.Labels[LabelManagedBy] == ManagedBy && ns.Labels[LabelComponent] == Component
}

// Run measures each target that is not skipped, in order. On an error
// or when ctx ends it returns what it measured so far with the error;
// the caller cleans up (Cleanup) either way.
func (r *Runner) Run(ctx context.Context, targets []Target) (*Result, error) {
	res := &Result{RunID: r.Pod.RunID, Namespace: r.Namespace, Started: time.Now()}
	defer func() { res.Finished = time.Now() }()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	if err := r.watch(ctx); err != nil {
		return res, err
	}
	notes := map[string]bool{}
	note := func(s string) {
		if !notes[s] {
			notes[s] = true
			res.Notes = append(res.Notes, s)
		}
	}
	for _, t := range targets {
		tr := TargetResult{Target: t}
		if t.Skip != "" {
			res.Targets = append(res.Targets, tr)
			continue
		}
		nodes := map[string]bool{}
		var seq []Timeline
		for i := range r.Runs {
			tls, err := r.startAll(ctx, t, []int{i}, note)
			tls = finished(tls)
			seq = append(seq, tls...)
			r.report(t, "sequential", len(seq), r.Runs, tls)
			if err != nil {
				tr.Sequential = ptr.To(Summarize(seq))
				res.Targets = append(res.Targets, tr)
				return res, err
			}
		}
		tr.Sequential = ptr.To(Summarize(seq))
		all := seq
		if r.Burst > 0 {
			idx := make([]int, r.Burst)
			for j := range idx {
				idx[j] = r.Runs + j
			}
			tls, err := r.startAll(ctx, t, idx, note)
			tls = finished(tls)
			tr.Burst = ptr.To(Summarize(tls))
			r.report(t, "burst", len(tls), r.Burst, tls)
			all = append(all, tls...)
			if err != nil {
				res.Targets = append(res.Targets, tr)
				return res, err
			}
		}
		// A runtime none of whose pods started would only fail once more.
		started := tr.Sequential.Runs > tr.Sequential.Failed
		if !r.steadyWanted(all) || !started {
			if r.Progress != nil {
				r.Progress(Progress{Target: t.Name, Mode: "steady", Skipped: true})
			}
		} else {
			st, tl, err := r.steady(ctx, t, note)
			tr.Steady = st
			r.report(t, "steady", 1, 1, []Timeline{tl})
			all = append(all, tl)
			if err != nil {
				res.Targets = append(res.Targets, tr)
				return res, err
			}
		}
		for _, tl := range all {
			if tl.Node != "" && !nodes[tl.Node] {
				nodes[tl.Node] = true
				tr.Nodes = append(tr.Nodes, tl.Node)
			}
		}
		res.Targets = append(res.Targets, tr)
	}
	return res, nil
}

// finished keeps the timelines that ended (ready or failed): a pod whose
// start was interrupted measured nothing.
func finished(tls []Timeline) []Timeline {
	out := tls[:0:0]
	for _, tl := range tls {
		if tl.Failure != "" || !tl.ContainersReady.IsZero() {
			out = append(out, tl)
		}
	}
	return out
}

func (r *Runner) stage(t Target, what string) {
	if r.Progress != nil {
		r.Progress(Progress{Target: t.Name, Stage: what})
	}
}

func (r *Runner) report(t Target, mode string, done, total int, tls []Timeline) {
	if r.Progress == nil {
		return
	}
	for _, tl := range tls {
		r.Progress(Progress{Target: t.Name, Mode: mode, Done: done, Total: total, Timeline: tl})
	}
}

// startAll creates pods idx of target t at once and waits for each to
// start or fail; then deletes them. Only a cluster or context error is
// returned: a pod that does not start is a failure in its timeline.
func (r *Runner) startAll(ctx context.Context, t Target, idx []int, note func(string)) ([]Timeline, error) {
	tls := make([]Timeline, len(idx))
	errs := make([]error, len(idx))
	var wg sync.WaitGroup
	for k, i := range idx {
		wg.Go(func() { tls[k], errs[k] = r.start(ctx, t, i, note, nil) })
	}
	wg.Wait()
	return tls, errors.Join(errs...)
}

// start creates one pod, follows it until it is ready or fails (or the
// timeout), reads its first log line, hands a ready pod to whileReady
// (when set), and deletes it.
func (r *Runner) start(ctx context.Context, t Target, i int, note func(string), whileReady func(Timeline)) (Timeline, error) {
	p := Pod(t, r.Namespace, i, r.Pod)
	tl := Timeline{Pod: p.Name}
	obs := r.route(p.Name)
	defer r.unroute(p.Name)
	tl.Created = time.Now()
	if _, err := r.Client.CoreV1().Pods(r.Namespace).Create(ctx, p, metav1.CreateOptions{}); err != nil {
		return tl, fmt.Errorf("create pod %s/%s: %w", r.Namespace, p.Name, err)
	}
	defer r.deleteAndWait(ctx, p.Name, obs)
	deadline := time.NewTimer(r.Timeout)
	defer deadline.Stop()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			return tl, ctx.Err()
		case <-r.lost:
			if ctx.Err() != nil { // the watch ended with the run
				return tl, ctx.Err()
			}
			return tl, r.lostErr
		case <-deadline.C:
			tl.TimedOut(r.Timeout)
			return tl, nil
		case o := <-obs:
			if o.pod == nil {
				tl.ObserveEvent(o.reason, o.msg)
				continue
			}
			done = tl.Observe(o.at, o.pod)
		}
	}
	if tl.Failure == "" {
		at, err := r.firstLine(ctx, p.Name)
		switch {
		case err != nil && ctx.Err() != nil:
			return tl, ctx.Err()
		case err != nil:
			note("first log line not timed: " + err.Error())
		default:
			tl.FirstLog = at
		}
		if whileReady != nil {
			whileReady(tl)
		}
	}
	return tl, ctx.Err()
}

// firstLine follows the container's log until its first line.
func (r *Runner) firstLine(ctx context.Context, pod string) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	rc, err := r.Client.CoreV1().Pods(r.Namespace).GetLogs(pod, &corev1.PodLogOptions{Container: "bench", Follow: true}).Stream(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("logs: %v", textutil.OneLine(err.Error()))
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	if sc.Scan() {
		return time.Now(), nil
	}
	if err := sc.Err(); err != nil {
		return time.Time{}, fmt.Errorf("logs: %v", textutil.OneLine(err.Error()))
	}
	return time.Time{}, errors.New("logs: the container printed nothing")
}

// deleteAndWait deletes the pod and, unless the run was stopped, waits
// until the watch sees it gone: the next start must not queue behind
// this one's teardown (a Kata VM's shutdown takes the node's time too).
func (r *Runner) deleteAndWait(ctx context.Context, name string, obs <-chan observation) {
	r.deletePod(name)
	if ctx.Err() != nil {
		return // the namespace's deletion follows
	}
	gone := time.NewTimer(r.Timeout)
	defer gone.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.lost:
			return
		case <-gone.C:
			return
		case o := <-obs:
			if o.deleted {
				return
			}
		}
	}
}

func (r *Runner) deletePod(name string) {
	// A fresh context: an interrupted run still removes what it made.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = r.Client.CoreV1().Pods(r.Namespace).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
}

func (r *Runner) route(pod string) <-chan observation {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.routes == nil {
		r.routes = map[string]chan observation{}
	}
	ch := make(chan observation, 64)
	r.routes[pod] = ch
	return ch
}

func (r *Runner) unroute(pod string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.routes, pod)
}

func (r *Runner) deliver(pod string, o observation) {
	r.mu.Lock()
	ch := r.routes[pod]
	r.mu.Unlock()
	if ch == nil {
		return
	}
	// A waiter far behind loses the oldest states, never the newest:
	// the pod's latest state (its deletion last of all) must arrive.
	for {
		select {
		case ch <- o:
			return
		default:
		}
		select {
		case <-ch:
		default:
		}
	}
}

// watch starts the watches of this run's pods and of the namespace's
// pod events, and routes each delivery, timed on arrival, to the pod's
// waiter. A watch that ends for good closes r.lost.
func (r *Runner) watch(ctx context.Context) error {
	sel := labels.SelectorFromSet(labels.Set{LabelRun: r.Pod.RunID}).String()
	pods := r.Client.CoreV1().Pods(r.Namespace)
	list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: sel, Limit: 1})
	if err != nil {
		return fmt.Errorf("list pods in %s: %w", r.Namespace, err)
	}
	pw, err := watchtools.NewRetryWatcherWithContext(ctx, list.ResourceVersion, &cache.ListWatch{
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.LabelSelector = sel
			return pods.Watch(ctx, o)
		},
	})
	if err != nil {
		return err
	}
	events := r.Client.CoreV1().Events(r.Namespace)
	evSel := fields.OneTermEqualSelector("involvedObject.kind", "Pod").String()
	evList, err := events.List(ctx, metav1.ListOptions{FieldSelector: evSel, Limit: 1})
	if err != nil {
		pw.Stop()
		return fmt.Errorf("list events in %s: %w", r.Namespace, err)
	}
	ew, err := watchtools.NewRetryWatcherWithContext(ctx, evList.ResourceVersion, &cache.ListWatch{
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = evSel
			return events.Watch(ctx, o)
		},
	})
	if err != nil {
		pw.Stop()
		return err
	}
	r.lost = make(chan struct{})
	fail := func(err error) {
		if ctx.Err() != nil {
			// The retrying watches end when the run's context does: that
			// is a stop (ctrl+c, exit 130), not a lost watch (exit 2).
			return
		}
		r.lostErr = err
		close(r.lost)
	}
	go func() {
		defer pw.Stop()
		defer ew.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-pw.ResultChan():
				if !ok {
					fail(errors.New("the watch of the bench pods ended"))
					return
				}
				if p, ok := e.Object.(*corev1.Pod); ok && e.Type != watch.Error {
					r.deliver(p.Name, observation{at: time.Now(), pod: p, deleted: e.Type == watch.Deleted})
				}
			case e, ok := <-ew.ResultChan():
				if !ok {
					fail(errors.New("the watch of the bench pods' events ended"))
					return
				}
				if ev, ok := e.Object.(*corev1.Event); ok && e.Type != watch.Error {
					r.deliver(ev.InvolvedObject.Name, observation{at: time.Now(), reason: ev.Reason, msg: ev.Message})
				}
			}
		}
	}()
	return nil
}
