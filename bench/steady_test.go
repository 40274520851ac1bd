package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/tiergate/tiergate/bench/benchtest"
	"github.com/tiergate/tiergate/metrics"
)

// readyOnCreate plays the kubelet: each pod created is scheduled to n1
// and made ready; created pods' specs are kept in specs.
func readyOnCreate(c *fake.Clientset, created <-chan string, specs *sync.Map) {
	readyOnNode(c, created, specs, func(string) string { return "n1" })
}

// readyOnNode is readyOnCreate scheduling each pod to nodeOf(its name).
func readyOnNode(c *fake.Clientset, created <-chan string, specs *sync.Map, nodeOf func(pod string) string) {
	for name := range created {
		go func() {
			// The create reactor runs before the tracker holds the pod.
			var p runtime.Object
			err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
				var err error
				p, err = c.Tracker().Get(corev1.SchemeGroupVersion.WithResource("pods"), "tiergate-bench", name)
				return err == nil, nil
			})
			if err != nil {
				return
			}
			pod := p.(*corev1.Pod).DeepCopy()
			if specs != nil {
				specs.Store(name, pod.Spec)
			}
			pod.ResourceVersion = "3"
			pod.Spec.NodeName = nodeOf(name)
			pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}, {Type: corev1.ContainersReady, Status: corev1.ConditionTrue}}
			_ = c.Tracker().Update(corev1.SchemeGroupVersion.WithResource("pods"), pod, "tiergate-bench")
		}()
	}
}

// A server image: after the cold starts, one more pod of each target is
// started as the server, loaded through the forward once ready, and its
// whole pod's memory read; the cold-start figures do not count it.
func TestSteadyPodLoadsTheServerAndReadsItsMemory(t *testing.T) {
	created := make(chan string, 16)
	c := fakeCluster(created)
	var specs sync.Map
	go readyOnCreate(c, created, &specs)
	f := &benchtest.Server{Gap: time.Millisecond}
	srv := httptest.NewServer(f)
	defer srv.Close()
	server, err := NewServer("vllm/vllm-openai:v0.11.0", "", []string{"--model", benchtest.Model}, 0)
	if err != nil || server == nil {
		t.Fatal(server, err)
	}
	var forwarded []string
	r := &Runner{Client: c, Namespace: "tiergate-bench", Pod: PodOptions{RunID: "abc123", Image: "vllm/vllm-openai:v0.11.0", Server: server}, Runs: 2, Timeout: time.Minute,
		Load: LoadOptions{Prompts: 4, Concurrency: 2, MaxTokens: 5, Seed: 1},
		Forward: func(_ context.Context, ns, pod string, port int32) (string, func(), error) {
			forwarded = append(forwarded, fmt.Sprintf("%s/%s:%d", ns, pod, port))
			return strings.TrimPrefix(srv.URL, "http://"), func() {}, nil
		},
		Memory: func(_ context.Context, node, ns, pod string) (*metrics.PodMemory, error) {
			if node != "n1" || ns != "tiergate-bench" {
				return nil, fmt.Errorf("asked %s for %s/%s", node, ns, pod)
			}
			return &metrics.PodMemory{RSS: 3 << 30, WorkingSet: 4 << 30, Source: metrics.SourceSummary}, nil
		}}
	res, err := r.Run(context.Background(), []Target{{Name: DefaultTarget}, {Name: "gvisor", Class: "gvisor", Handler: "runsc"}})
	close(created)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range res.Targets {
		if tr.Sequential == nil || tr.Sequential.Runs != 2 {
			t.Errorf("%s: cold starts %+v (the steady pod is not one)", tr.Target.Name, tr.Sequential)
		}
		st := tr.Steady
		if st == nil || st.Failure != "" || st.Load == nil || st.Load.CompletionTokens != 20 || st.Load.Engine == nil || st.Load.Engine.Tokens != 20 {
			t.Fatalf("%s: steady %+v", tr.Target.Name, st)
		}
		if st.Memory == nil || st.Memory.RSS != 3<<30 || st.Pod != PodName(tr.Target, "abc123", 2) {
			t.Errorf("%s: memory %+v of %s", tr.Target.Name, st.Memory, st.Pod)
		}
	}
	if len(forwarded) != 2 || forwarded[0] != "tiergate-bench/"+PodName(Target{Name: DefaultTarget}, "abc123", 2)+":8000" {
		t.Errorf("forwarded %v", forwarded)
	}
	v, ok := specs.Load(PodName(Target{Name: "gvisor"}, "abc123", 2))
	if !ok {
		t.Fatal("no steady pod of gvisor created")
	}
	spec := v.(corev1.PodSpec)
	ctr := spec.Containers[0]
	if ctr.Command != nil || strings.Join(ctr.Args, " ") != "--model "+benchtest.Model || ctr.ReadinessProbe == nil || ctr.ReadinessProbe.HTTPGet.Path != "/health" ||
		ctr.ReadinessProbe.HTTPGet.Port.IntValue() != 8000 || spec.RuntimeClassName == nil || *spec.RuntimeClassName != "gvisor" {
		t.Errorf("server pod: %+v", spec)
	}
	if len(f.Prompts()) != 8 {
		t.Errorf("the server got %d prompts, want 4 per target", len(f.Prompts()))
	}
}

// Memory the kubelet refuses (no nodes/proxy) is said once and not asked
// again: the other targets get no steady pod; a kubelet that lists the
// pod late is polled until it does.
func TestSteadyMemoryRefusedOnceAndPolled(t *testing.T) {
	created := make(chan string, 16)
	c := fakeCluster(created)
	go readyOnCreate(c, created, nil)
	var mu sync.Mutex
	asked := 0
	r := &Runner{Client: c, Namespace: "tiergate-bench", Pod: PodOptions{RunID: "abc123"}, Runs: 1, Timeout: time.Minute, MemoryPoll: 10 * time.Millisecond,
		Memory: func(context.Context, string, string, string) (*metrics.PodMemory, error) {
			mu.Lock()
			defer mu.Unlock()
			asked++
			switch {
			case asked < 3:
				return nil, nil // not listed yet
			case asked == 3:
				return &metrics.PodMemory{WorkingSet: 1 << 20, Source: metrics.SourceCAdvisor}, nil
			}
			return nil, fmt.Errorf("nodes n1 proxy: %w", ErrMemoryUnavailable)
		}}
	res, err := r.Run(context.Background(), []Target{{Name: DefaultTarget}, {Name: "a", Class: "a"}, {Name: "b", Class: "b"}})
	close(created)
	if err != nil {
		t.Fatal(err)
	}
	if m := res.Targets[0].Steady.Memory; m == nil || m.WorkingSet != 1<<20 {
		t.Errorf("polled memory %+v", m)
	}
	// The refusal came on the second runtime's pod; the third gets none
	// (a pod would measure nothing).
	if res.Targets[1].Steady == nil || res.Targets[1].Steady.Memory != nil || res.Targets[2].Steady != nil || asked != 4 {
		t.Errorf("asked %d times; steady %+v %+v", asked, res.Targets[1].Steady, res.Targets[2].Steady)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "memory not measured: nodes n1 proxy: kubelet stats unavailable") {
		t.Errorf("notes %q", res.Notes)
	}
}

// A server that dies during the load (OOM-killed, crashed) measured
// nothing of its runtime: its load is dropped, its memory not read (a
// dead pod's would be near zero, a "negative overhead"), and why is kept.
func TestSteadyServerThatStopsDuringTheLoad(t *testing.T) {
	created := make(chan string, 16)
	c := fakeCluster(created)
	go readyOnCreate(c, created, nil)
	srv := httptest.NewServer(&benchtest.Server{Gap: time.Millisecond})
	defer srv.Close()
	server, err := NewServer("vllm/vllm-openai:v0.11.0", "", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	pods := corev1.SchemeGroupVersion.WithResource("pods")
	r := &Runner{Client: c, Namespace: "tiergate-bench", Pod: PodOptions{RunID: "abc123", Server: server}, Runs: 1, Timeout: time.Minute,
		Load: LoadOptions{Model: benchtest.Model, Prompts: 2, Concurrency: 1, MaxTokens: 3, Seed: 1},
		Forward: func(_ context.Context, ns, pod string, _ int32) (string, func(), error) {
			// The kubelet's word that the server was killed arrives
			// while the load runs.
			o, err := c.Tracker().Get(pods, ns, pod)
			if err != nil {
				return "", nil, err
			}
			p := o.(*corev1.Pod).DeepCopy()
			p.Status.Phase = corev1.PodFailed
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "bench", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}}}}
			if err := c.Tracker().Update(pods, p, ns); err != nil {
				return "", nil, err
			}
			return strings.TrimPrefix(srv.URL, "http://"), func() {}, nil
		},
		Memory: func(context.Context, string, string, string) (*metrics.PodMemory, error) {
			t.Error("memory read of a server that stopped")
			return nil, nil
		}}
	res, err := r.Run(context.Background(), []Target{{Name: DefaultTarget}})
	close(created)
	if err != nil {
		t.Fatal(err)
	}
	st := res.Targets[0].Steady
	if st == nil || st.Load != nil || st.Memory != nil || st.Stopped != "exited (OOMKilled, code 137)" {
		t.Errorf("steady %+v", st)
	}
}

// One node's refusal is that node's: RBAC may name nodes, a kubelet may
// deny the API server or be unreachable. A runtime on another node still
// gets its memory read; one whose pods all ran on the refused node gets
// no steady pod, and the refusal is said once.
func TestSteadyMemoryRefusedOnOneNodeOnly(t *testing.T) {
	created := make(chan string, 16)
	c := fakeCluster(created)
	go readyOnNode(c, created, nil, func(pod string) string {
		if strings.Contains(pod, "gvisor") {
			return "n2"
		}
		return "n1"
	})
	var mu sync.Mutex
	asked := map[string]int{}
	r := &Runner{Client: c, Namespace: "tiergate-bench", Pod: PodOptions{RunID: "abc123"}, Runs: 1, Timeout: time.Minute, MemoryPoll: 10 * time.Millisecond,
		Memory: func(_ context.Context, node, _, _ string) (*metrics.PodMemory, error) {
			mu.Lock()
			defer mu.Unlock()
			asked[node]++
			if node == "n1" {
				return nil, fmt.Errorf("node n1: %w", ErrMemoryUnavailable)
			}
			return &metrics.PodMemory{RSS: 1 << 20, Source: metrics.SourceSummary}, nil
		}}
	res, err := r.Run(context.Background(), []Target{{Name: DefaultTarget}, {Name: "gvisor", Class: "gvisor"}, {Name: "kata", Class: "kata"}})
	close(created)
	if err != nil {
		t.Fatal(err)
	}
	if st := res.Targets[1].Steady; st == nil || st.Memory == nil || st.Memory.RSS != 1<<20 {
		t.Errorf("gvisor on n2: steady %+v", st)
	}
	if res.Targets[0].Steady == nil || res.Targets[0].Steady.Memory != nil || res.Targets[2].Steady != nil {
		t.Errorf("on n1: steady %+v, %+v", res.Targets[0].Steady, res.Targets[2].Steady)
	}
	if asked["n1"] != 1 || asked["n2"] != 1 {
		t.Errorf("asked %v", asked)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "memory not measured: node n1: kubelet stats unavailable") {
		t.Errorf("notes %q", res.Notes)
	}
}

// A runtime none of whose pods started gets no steady pod: it would
// only wait out the timeout once more.
func TestNoSteadyPodWhereNothingStarted(t *testing.T) {
	created := make(chan string, 16)
	r := &Runner{Client: fakeCluster(created), Namespace: "tiergate-bench", Pod: PodOptions{RunID: "abc123"}, Runs: 2, Timeout: 200 * time.Millisecond,
		Memory: func(context.Context, string, string, string) (*metrics.PodMemory, error) {
			t.Error("memory asked of a runtime whose pods never started")
			return nil, nil
		}}
	res, err := r.Run(context.Background(), []Target{{Name: DefaultTarget}})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Targets[0].Sequential; s == nil || s.Failed != 2 || res.Targets[0].Steady != nil || len(created) != 2 {
		t.Errorf("sequential %+v, steady %+v, %d pods created", s, res.Targets[0].Steady, len(created))
	}
}

// ctrl+c during the load or during the memory poll stops the run at
// once with the cancellation (exit 130, not a cluster error), says
// nothing was "not measured", and deletes the steady pod.
func TestSteadyInterrupted(t *testing.T) {
	for _, during := range []string{"load", "memory"} {
		t.Run(during, func(t *testing.T) {
			created := make(chan string, 16)
			c := fakeCluster(created)
			go readyOnCreate(c, created, nil)
			// A server that never sends its first token.
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/v1/chat/completions" {
					// The body read, the server notices the client go.
					_, _ = io.Copy(io.Discard, r.Body)
					<-r.Context().Done()
				}
				http.NotFound(w, r)
			}))
			defer srv.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := &Runner{Client: c, Namespace: "tiergate-bench", Pod: PodOptions{RunID: "abc123"}, Runs: 1, Timeout: time.Minute, MemoryPoll: time.Hour,
				Memory: func(context.Context, string, string, string) (*metrics.PodMemory, error) {
					if during == "memory" {
						time.AfterFunc(50*time.Millisecond, cancel)
					}
					return nil, nil // not listed yet: polled again in an hour
				}}
			if during == "load" {
				server, err := NewServer("vllm/vllm-openai:v0.11.0", "", nil, 0)
				if err != nil {
					t.Fatal(err)
				}
				r.Pod.Server = server
				r.Load = LoadOptions{Model: benchtest.Model, Prompts: 2, Concurrency: 1, MaxTokens: 3, Seed: 1}
				r.Forward = func(context.Context, string, string, int32) (string, func(), error) {
					time.AfterFunc(50*time.Millisecond, cancel)
					return strings.TrimPrefix(srv.URL, "http://"), func() {}, nil
				}
			}
			start := time.Now()
			res, err := r.Run(ctx, []Target{{Name: DefaultTarget}})
			close(created)
			if !errors.Is(err, context.Canceled) || time.Since(start) > 20*time.Second {
				t.Fatalf("after %s: %v", time.Since(start), err)
			}
			if len(res.Notes) != 0 {
				t.Errorf("notes %q", res.Notes)
			}
			// The tracker's own list: the fake's list reactor answers empty.
			left, err := c.Tracker().List(corev1.SchemeGroupVersion.WithResource("pods"), corev1.SchemeGroupVersion.WithKind("Pod"), "tiergate-bench")
			if err != nil || len(left.(*corev1.PodList).Items) != 0 {
				t.Errorf("left behind: %v %v", left, err)
			}
		})
	}
}
