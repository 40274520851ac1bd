package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/metrics"
)

// Steady is what one more pod of a target measured once ready and
// settled: the server's throughput under the load, and the whole pod's
// memory (after the load, when there is one).
type Steady struct {
	Pod    string             `json:"pod"`
	Node   string             `json:"node,omitempty"`
	Ready  time.Duration      `json:"ready"`
	Load   *LoadResult        `json:"load,omitempty"`
	Memory *metrics.PodMemory `json:"memory,omitempty"`
	// Failure says why the pod did not become ready (nothing measured).
	Failure string `json:"failure,omitempty"`
	// Stopped says why the server was no longer running after the load
	// (it crashed, was evicted or OOM-killed): its load and memory are
	// dropped, a dead pod's figures are not the runtime's.
	Stopped string `json:"stopped,omitempty"`
}

// ForwardFunc opens a port-forward to a pod's port: the local address
// ("127.0.0.1:PORT") and a function that closes it.
type ForwardFunc func(ctx context.Context, namespace, pod string, port int32) (string, func(), error)

// MemoryFunc reads a pod's memory from its node's kubelet: nil, nil
// while the kubelet does not list the pod yet.
type MemoryFunc func(ctx context.Context, node, namespace, pod string) (*metrics.PodMemory, error)

// steadyWanted says whether a target gets a steady pod: a server to
// load, or memory to read on a node its cold-start pods ran on (where
// every such node refused its stats, the pod would measure nothing).
func (r *Runner) steadyWanted(cold []Timeline) bool {
	if r.Pod.Server != nil {
		return true
	}
	if r.Memory == nil {
		return false
	}
	for _, tl := range cold {
		if !r.memoryRefused[tl.Node] {
			return true
		}
	}
	return len(cold) == 0
}

// steady starts one more pod of t (numbered after the cold starts) and,
// once ready, drives the load through a port-forward and reads the
// pod's memory; then deletes it. What cannot be measured is a note.
func (r *Runner) steady(ctx context.Context, t Target, note func(string)) (*Steady, Timeline, error) {
	st := &Steady{}
	tl, err := r.start(ctx, t, r.Runs+r.Burst, note, func(tl Timeline) {
		st.Pod, st.Node = tl.Pod, tl.Node
		if s := r.Pod.Server; s != nil {
			r.stage(t, fmt.Sprintf("%s ready in %s; load: %d prompts, %d at a time", s.Engine, tl.Phases().Ready.Round(time.Millisecond), r.Load.Prompts, max(r.Load.Concurrency, 1)))
			st.Load = r.load(ctx, t, tl.Pod, s, note)
			if st.Stopped = r.stopped(ctx, tl.Pod); st.Stopped != "" {
				st.Load = nil
				return
			}
		}
		if r.Memory != nil && !r.memoryRefused[tl.Node] {
			r.stage(t, "reading the pod's memory from its kubelet")
			st.Memory = r.memory(ctx, t, tl, note)
		}
	})
	st.Pod, st.Ready, st.Failure = tl.Pod, tl.Phases().Ready, tl.Failure
	if st.Node == "" {
		st.Node = tl.Node
	}
	return st, tl, err
}

// load forwards a local port to the server pod and runs the load.
func (r *Runner) load(ctx context.Context, t Target, pod string, s *Server, note func(string)) *LoadResult {
	if r.Forward == nil {
		note("tokens/s not measured: no port-forward")
		return nil
	}
	addr, stop, err := r.Forward(ctx, r.Namespace, pod, s.Port)
	if err != nil {
		if ctx.Err() == nil {
			note(fmt.Sprintf("tokens/s not measured on %s: port-forward: %s", t.Name, textutil.OneLine(err.Error())))
		}
		return nil
	}
	defer stop()
	o := r.Load
	o.BaseURL = "http://" + addr
	o.MetricsPath = s.MetricsPath
	o.Pull = s.Pull
	res, err := RunLoad(ctx, o)
	if err != nil {
		if ctx.Err() == nil {
			note(fmt.Sprintf("tokens/s not measured on %s: %s", t.Name, textutil.OneLine(err.Error())))
		}
		return nil
	}
	return res
}

// memory polls the pod's kubelet until it lists the pod (its stats lag a
// housekeeping interval behind a new pod), at most MemoryWait. A refusal
// (no nodes/proxy, an unreachable kubelet) ends memory reads on that
// node: one note says why.
func (r *Runner) memory(ctx context.Context, t Target, tl Timeline, note func(string)) *metrics.PodMemory {
	wait := r.MemoryWait
	if wait <= 0 {
		wait = time.Minute
	}
	deadline := time.Now().Add(wait)
	for {
		m, err := r.Memory(ctx, tl.Node, r.Namespace, tl.Pod)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil
		case err != nil && (apierrors.IsForbidden(err) || errors.Is(err, ErrMemoryUnavailable)):
			if r.memoryRefused == nil {
				r.memoryRefused = map[string]bool{}
			}
			r.memoryRefused[tl.Node] = true
			note("memory not measured: " + textutil.OneLine(err.Error()))
			return nil
		case err != nil:
			note(fmt.Sprintf("memory not measured on %s: %s", t.Name, textutil.OneLine(err.Error())))
			return nil
		case m != nil:
			return m
		}
		if time.Now().After(deadline) {
			note(fmt.Sprintf("memory not measured on %s: the kubelet of %s did not list the pod within %s", t.Name, tl.Node, wait))
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(r.memoryPoll()):
		}
	}
}

// stopped says why a pod that was ready no longer runs its container
// ("" while it does, or when it cannot be read): the bench pods never
// restart, so a crash ends the pod.
func (r *Runner) stopped(ctx context.Context, pod string) string {
	p, err := r.Client.CoreV1().Pods(r.Namespace).Get(ctx, pod, metav1.GetOptions{})
	if err != nil {
		return ""
	}
	return podStopped(p)
}

// podStopped is why p's container no longer runs; "" while it does.
func podStopped(p *corev1.Pod) string {
	for _, cs := range p.Status.ContainerStatuses {
		if t := cs.State.Terminated; t != nil {
			return serverText(fmt.Sprintf("exited (%s, code %d)", t.Reason, t.ExitCode))
		}
	}
	if p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded {
		return serverText(fmt.Sprintf("exited (%s)", phaseReason(p)))
	}
	return ""
}

// ErrMemoryUnavailable wraps a MemoryFunc error that no later pod will
// get past (the kubelet's stats are not reachable at all).
var ErrMemoryUnavailable = errors.New("kubelet stats unavailable")

func (r *Runner) memoryPoll() time.Duration {
	if r.MemoryPoll > 0 {
		return r.MemoryPoll
	}
	return 5 * time.Second
}
