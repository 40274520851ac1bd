package metrics

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// fakeClock advances by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// engineServers serve each pod's exposition, the token counter at
// rate × the clock's seconds; they count requests in flight.
type engineServers struct {
	clock    *fakeClock
	rate     map[PodKey]float64
	port     map[PodKey]int32
	err      map[PodKey]error
	block    map[PodKey]bool
	inflight atomic.Int32
	max      atomic.Int32
	start    time.Time
}

func (s *engineServers) Scrape(ctx context.Context, pod PodKey, port Port) ([]byte, string, error) {
	n := s.inflight.Add(1)
	defer s.inflight.Add(-1)
	for {
		m := s.max.Load()
		if n <= m || s.max.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(2 * time.Millisecond)
	if s.block[pod] {
		<-ctx.Done()
		return nil, "", ctx.Err()
	}
	if err := s.err[pod]; err != nil {
		return nil, "", err
	}
	if want, ok := s.port[pod]; ok && want != port.Number {
		return nil, "", fmt.Errorf("connection refused")
	}
	secs := s.clock.Now().Sub(s.start).Seconds()
	return []byte(fmt.Sprintf("vllm:generation_tokens_total{model_name=\"m\"} %g\nvllm:num_requests_running 2\n", 1000+s.rate[pod]*secs)), "text/plain; version=0.0.4", nil
}

var forbidden = apierrors.NewForbidden(schema.GroupResource{Resource: "nodes/proxy"}, "n1", fmt.Errorf("RBAC"))

type fakeNodes struct{ summary []byte }

func (f fakeNodes) Summary(_ context.Context, node string) ([]byte, error) {
	if node == "locked" {
		return nil, forbidden
	}
	return f.summary, nil
}

func (f fakeNodes) CAdvisor(_ context.Context, node string) ([]byte, string, error) {
	return nil, "", forbidden
}

type fakeWorkingSet map[PodKey]float64

func (f fakeWorkingSet) WorkingSet(_ context.Context, ns string) (map[PodKey]float64, error) {
	out := map[PodKey]float64{}
	for k, v := range f {
		if k.Namespace == ns {
			out[k] = v
		}
	}
	return out, nil
}

func TestCollectorReadsEachFigureOrSaysWhy(t *testing.T) {
	summary, err := os.ReadFile("testdata/summary-gke.json")
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Unix(1700000000, 0)}
	busy, idle, locked, pending, web := PodKey{"datadog", "dd-agent-ntepl"}, PodKey{"kube-system", "fluentd-gcp-scaler-54ccb89d5-pvjz2"}, PodKey{"llm", "locked-0"}, PodKey{"llm", "pending-0"}, PodKey{"web", "shop-0"}
	servers := &engineServers{clock: clock, start: clock.Now(),
		rate: map[PodKey]float64{busy: 250},
		port: map[PodKey]int32{busy: 8000, idle: 9000},
		err:  map[PodKey]error{locked: apierrors.NewForbidden(schema.GroupResource{Resource: "pods/proxy"}, "locked-0", fmt.Errorf("RBAC"))},
	}
	c := NewCollector(Sources{Pods: servers, Nodes: fakeNodes{summary}, WorkingSet: fakeWorkingSet{locked: 5e9}}, Options{Now: clock.Now})
	targets := []Target{
		{PodKey: busy, Node: "gke-1", Running: true, Server: true, Ports: []Port{{9999, "/metrics"}, {8000, "/metrics"}}},
		{PodKey: idle, Node: "gke-1", Running: true, Server: true, GPUs: true, Ports: []Port{{9000, "/metrics"}}},
		{PodKey: locked, Node: "locked", Running: true, Server: true, Ports: []Port{{8000, "/metrics"}}},
		{PodKey: pending, Running: false, Server: true, GPUs: true},
		{PodKey: web, Node: "gke-1", Running: true},
	}
	first := c.Collect(context.Background(), targets, nil)
	if w := first.Pods[busy].Why[FigureTokens]; w != WhyMeasuring {
		t.Errorf("first scrape: tokens why %q, want %q", w, WhyMeasuring)
	}
	clock.Add(4 * time.Second)
	snap := c.Collect(context.Background(), targets, nil)

	b := snap.Pods[busy]
	if val(b.TokensPerSecond) != "250" || b.Engine != "vLLM" || b.ServingSource != "pod port 8000" || val(b.RequestsRunning) != "2" {
		t.Errorf("busy: %s tok/s engine %q source %q running %s", val(b.TokensPerSecond), b.Engine, b.ServingSource, val(b.RequestsRunning))
	}
	if val(b.RSSBytes) != "1.14466816e+08" || b.RSSSource != SourceSummary {
		t.Errorf("busy: rss %s from %q", val(b.RSSBytes), b.RSSSource)
	}
	i := snap.Pods[idle]
	if val(i.TokensPerSecond) != "0" || i.Why[FigureGPU] != WhyNoSource {
		t.Errorf("idle: %s tok/s, why %v", val(i.TokensPerSecond), i.Why)
	}
	l := snap.Pods[locked]
	if l.Why[FigureTokens] != WhyForbidden || val(l.RSSBytes) != "5e+09" || l.RSSSource != SourceWorkingSet {
		t.Errorf("locked: why %v rss %s from %q", l.Why, val(l.RSSBytes), l.RSSSource)
	}
	if p := snap.Pods[pending]; p.Why[FigureRSS] != WhyNotRunning || p.Why[FigureTokens] != WhyNotRunning || p.Why[FigureGPU] != WhyNotRunning {
		t.Errorf("pending: why %v", p.Why)
	}
	if w := snap.Pods[web]; w.Why[FigureTokens] != WhyNotServer || w.Why[FigureGPU] != WhyNoGPU || w.Why[FigureRSS] != WhyNoSource {
		t.Errorf("web: why %v", w.Why)
	}
	// Notes come once: the first collection said them.
	all := strings.Join(first.Notes, "\n")
	for _, want := range []string{"nodes/proxy is forbidden", "pods/proxy is forbidden", "no DCGM exporter"} {
		if !strings.Contains(all, want) {
			t.Errorf("notes lack %q: %q", want, first.Notes)
		}
	}
	if len(snap.Notes) != 0 {
		t.Errorf("notes said twice: %q", snap.Notes)
	}
}

func TestCollectorBoundsRequestsAndTimesOut(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1700000000, 0)}
	servers := &engineServers{clock: clock, start: clock.Now(), block: map[PodKey]bool{{"llm", "stuck"}: true}}
	var targets []Target
	for i := range 40 {
		targets = append(targets, Target{PodKey: PodKey{"llm", fmt.Sprintf("vllm-%d", i)}, Running: true, Server: true, Ports: []Port{{8000, "/metrics"}}})
	}
	targets = append(targets, Target{PodKey: PodKey{"llm", "stuck"}, Running: true, Server: true, Ports: []Port{{8000, "/metrics"}}})
	c := NewCollector(Sources{Pods: servers}, Options{Concurrency: 3, Timeout: 50 * time.Millisecond, Now: clock.Now})
	snap := c.Collect(context.Background(), targets, nil)
	if m := servers.max.Load(); m > 3 || m < 2 {
		t.Errorf("%d requests in flight at most, want 3", m)
	}
	if w := snap.Pods[PodKey{"llm", "stuck"}].Why[FigureTokens]; w != "timed out" {
		t.Errorf("stuck: why %q", w)
	}
}

// fakeProm answers the tokens and GPU queries for one pod each.
type fakeProm struct {
	mu      sync.Mutex
	queries []string
}

func (f *fakeProm) Query(_ context.Context, q string, _ time.Time) (model.Vector, error) {
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.mu.Unlock()
	s := func(ns, pod, engine string, v float64) *model.Sample {
		m := model.Metric{"namespace": model.LabelValue(ns), "pod": model.LabelValue(pod)}
		if engine != "" {
			m["engine"] = model.LabelValue(engine)
		}
		return &model.Sample{Metric: m, Value: model.SampleValue(v)}
	}
	switch {
	case strings.Contains(q, "vllm:generation_tokens_total") && strings.Contains(q, "rate("):
		return model.Vector{s("llm", "vllm-0", "vLLM", 512), s("other", "not-a-target", "vLLM", 1)}, nil
	case strings.Contains(q, DCGMUtil):
		return model.Vector{s("llm", "vllm-0", "", 73)}, nil
	}
	return nil, nil
}

func TestCollectorFromPrometheus(t *testing.T) {
	prom := &fakeProm{}
	servers := &engineServers{clock: &fakeClock{t: time.Unix(1, 0)}, start: time.Unix(0, 0), rate: map[PodKey]float64{{"llm", "sglang-0"}: 10}}
	c := NewCollector(Sources{Prometheus: prom, Pods: servers}, Options{})
	snap := c.Collect(context.Background(), []Target{
		{PodKey: PodKey{"llm", "vllm-0"}, Running: true, Server: true, GPUs: true},
		{PodKey: PodKey{"llm", "sglang-0"}, Running: true, Server: true, Ports: []Port{{8000, "/metrics"}}},
	}, nil)
	v := snap.Pods[PodKey{"llm", "vllm-0"}]
	if val(v.TokensPerSecond) != "512" || v.Engine != "vLLM" || v.ServingSource != SourcePrometheus || val(v.GPUUtil) != "73" || v.GPUSource != SourcePrometheus {
		t.Errorf("vllm-0: %s tok/s %q from %q, gpu %s from %q", val(v.TokensPerSecond), v.Engine, v.ServingSource, val(v.GPUUtil), v.GPUSource)
	}
	// Prometheus has no series of sglang-0: its port is scraped.
	if s := snap.Pods[PodKey{"llm", "sglang-0"}]; s.ServingSource != "pod port 8000" || s.Why[FigureTokens] != WhyMeasuring {
		t.Errorf("sglang-0: source %q why %v", s.ServingSource, s.Why)
	}
	if len(prom.queries) != 8 {
		t.Errorf("%d queries, want 6 serving and 2 GPU figures", len(prom.queries))
	}
	if _, ok := snap.Pods[PodKey{"other", "not-a-target"}]; ok {
		t.Error("a pod that is not a target got figures")
	}
}

// TestCollectorOutOfTimeSaysSo: pods the collection's deadline never
// reached say "timed out", not "no source".
func TestCollectorOutOfTimeSaysSo(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1700000000, 0)}
	stuck := map[PodKey]bool{}
	var targets []Target
	for i := range 6 {
		k := PodKey{"llm", fmt.Sprintf("vllm-%d", i)}
		stuck[k] = true
		targets = append(targets, Target{PodKey: k, Running: true, Server: true, Ports: []Port{{8000, "/metrics"}}})
	}
	servers := &engineServers{clock: clock, start: clock.Now(), block: stuck}
	c := NewCollector(Sources{Pods: servers}, Options{Concurrency: 1, Timeout: time.Minute, Now: clock.Now})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	snap := c.Collect(ctx, targets, nil)
	for _, tg := range targets {
		if w := snap.Pods[tg.PodKey].Why[FigureTokens]; w != "timed out" {
			t.Errorf("%s: why %q, want timed out", tg.PodKey, w)
		}
	}
}

// bodies serves fixed expositions by pod.
type bodies map[PodKey][]byte

func (b bodies) Scrape(_ context.Context, pod PodKey, _ Port) ([]byte, string, error) {
	if body, ok := b[pod]; ok {
		return body, "text/plain; version=0.0.4", nil
	}
	return nil, "", fmt.Errorf("connection refused")
}

// cadvisorNodes fail the Summary API (not RBAC) and serve cAdvisor.
type cadvisorNodes struct{ body []byte }

func (cadvisorNodes) Summary(context.Context, string) ([]byte, error) {
	return nil, fmt.Errorf("the server is currently unable to handle the request")
}

func (c cadvisorNodes) CAdvisor(context.Context, string) ([]byte, string, error) {
	return c.body, "text/plain; version=0.0.4", nil
}

// TestCollectorFallsBackToCAdvisorAndTheExporter: without the Summary API
// RSS comes from cAdvisor (the recorded sample), and without Prometheus
// GPU use from scraping the DCGM exporter pod (a recorded line with pod
// labels), given only to the GPU pod it names.
func TestCollectorFallsBackToCAdvisorAndTheExporter(t *testing.T) {
	cadvisor, err := os.ReadFile("testdata/expositions/cadvisor.prom")
	if err != nil {
		t.Fatal(err)
	}
	dcgm, err := os.ReadFile("testdata/expositions/dcgm-labels.prom")
	if err != nil {
		t.Fatal(err)
	}
	exporter, gpuPod, other := PodKey{"gpu-operator", "dcgm-exporter-x"}, PodKey{"foo", "bar"}, PodKey{"default", "dd-agent-q6hpw"}
	c := NewCollector(Sources{Pods: bodies{exporter: dcgm}, Nodes: cadvisorNodes{cadvisor}}, Options{})
	snap := c.Collect(context.Background(), []Target{
		{PodKey: gpuPod, Node: "n1", Running: true, GPUs: true},
		{PodKey: other, Node: "n1", Running: true},
	}, []Target{{PodKey: exporter, Running: true, Ports: []Port{{DCGMPort, "/metrics"}}}})
	if g := snap.Pods[gpuPod]; val(g.GPUUtil) != "0" || g.GPUSource != SourceDCGM {
		t.Errorf("%s: gpu %s from %q", gpuPod, val(g.GPUUtil), g.GPUSource)
	}
	if o := snap.Pods[other]; val(o.RSSBytes) != "1.57523968e+08" || o.RSSSource != SourceCAdvisor || o.Why[FigureGPU] != WhyNoGPU {
		t.Errorf("%s: rss %s from %q, why %v", other, val(o.RSSBytes), o.RSSSource, o.Why)
	}
	if g := snap.Pods[gpuPod]; g.RSSBytes != nil || g.Why[FigureRSS] != WhyNoSource {
		t.Errorf("%s is not in the cAdvisor sample: rss %s why %v", gpuPod, val(g.RSSBytes), g.Why)
	}
}
