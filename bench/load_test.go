package bench

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bench/benchtest"
)

func near(got, want, tolerance float64) bool { return math.Abs(got-want) <= want*tolerance }

// A server of known pace: 8 requests, 4 at a time, 20 tokens each, the
// first after 200 ms and then one every 20 ms: each request takes
// 200+19×20 = 580 ms, the load two rounds, 1.16 s for 160 tokens.
func TestRunLoadRecoversAKnownRate(t *testing.T) {
	for _, noUsage := range []bool{false, true} {
		t.Run(fmt.Sprintf("noUsage=%v", noUsage), func(t *testing.T) {
			f := &benchtest.Server{TTFT: 200 * time.Millisecond, Gap: 20 * time.Millisecond, NoUsage: noUsage}
			srv := httptest.NewServer(f)
			defer srv.Close()
			res, err := RunLoad(context.Background(), LoadOptions{BaseURL: srv.URL, Prompts: 8, Concurrency: 4, MaxTokens: 20, Seed: 7, MetricsPath: "/metrics"})
			if err != nil {
				t.Fatal(err)
			}
			wantFrom := "usage"
			if noUsage {
				wantFrom = "chunks"
			}
			if res.Model != benchtest.Model || res.Requests != 8 || res.Failed != 0 || res.CompletionTokens != 160 || res.TokensFrom != wantFrom {
				t.Fatalf("%+v", res)
			}
			if !near(res.TokensPerSecond, 160/1.16, 0.10) {
				t.Errorf("tokens/s %.1f, want %.1f ±10%%", res.TokensPerSecond, 160/1.16)
			}
			if !near(float64(res.TTFT.P50), float64(200*time.Millisecond), 0.10) || !near(float64(res.TTFT.P95), float64(200*time.Millisecond), 0.15) {
				t.Errorf("ttft %+v, want 200ms", res.TTFT)
			}
			if res.Engine == nil || res.Engine.Name != "vLLM" || res.Engine.Tokens != 160 {
				t.Errorf("engine's count %+v, want vLLM's 160", res.Engine)
			}
		})
	}
}

func TestRunLoadCountsFailuresAndSendsTheSameLoad(t *testing.T) {
	f := &benchtest.Server{Gap: time.Millisecond, FailEvery: 3}
	srv := httptest.NewServer(f)
	defer srv.Close()
	res, err := RunLoad(context.Background(), LoadOptions{BaseURL: srv.URL, Model: benchtest.Model, Prompts: 9, Concurrency: 1, MaxTokens: 5, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 3 || res.Failures["HTTP 500 Internal Server Error"] != 3 || res.CompletionTokens != 30 || res.Engine != nil {
		t.Errorf("%+v", res)
	}
	// The same seed is the same prompts, in order (one at a time).
	if got, want := strings.Join(f.Prompts(), "|"), strings.Join(Prompts(42, 9), "|"); got != want {
		t.Errorf("prompts sent differ from Prompts(42, 9)")
	}
	if strings.Join(Prompts(42, 3), "") == strings.Join(Prompts(43, 3), "") {
		t.Error("another seed must give other prompts")
	}
	_, err = RunLoad(context.Background(), LoadOptions{BaseURL: srv.URL + "/nothing", Prompts: 1})
	if err == nil || !strings.Contains(err.Error(), "GET /v1/models") {
		t.Errorf("no model list: %v", err)
	}
}

// An Ollama server starts with no model: the load pulls the one named
// first, and without a name says so instead of asking an empty list.
func TestRunLoadPullsFirst(t *testing.T) {
	f := &benchtest.Server{Gap: time.Millisecond, Pulls: true}
	srv := httptest.NewServer(f)
	defer srv.Close()
	if _, err := RunLoad(context.Background(), LoadOptions{BaseURL: srv.URL, Prompts: 1, Pull: true}); err == nil || !strings.Contains(err.Error(), "--model") {
		t.Errorf("no model named: %v", err)
	}
	if _, err := RunLoad(context.Background(), LoadOptions{BaseURL: srv.URL, Model: "llama9", Prompts: 1, MaxTokens: 2, Pull: true}); err == nil || !strings.Contains(err.Error(), "pull llama9: pull model manifest: file does not exist") {
		t.Errorf("a model the server cannot pull: %v", err)
	}
	res, err := RunLoad(context.Background(), LoadOptions{BaseURL: srv.URL, Model: benchtest.Model, Prompts: 2, MaxTokens: 3, Pull: true})
	if err != nil || res.Failed != 0 || res.CompletionTokens != 6 {
		t.Fatalf("%+v %v", res, err)
	}
}

// Through a port-forward every new connection is a new stream the API
// server and the kubelet set up (for Kata, through its agent): a
// request that waits on one has that in its time to first token. The
// load keeps one connection per request in flight and reuses it: the
// server sees at most Concurrency connections, whatever the prompts.
func TestRunLoadReusesItsConnections(t *testing.T) {
	srv := httptest.NewUnstartedServer(&benchtest.Server{Gap: time.Millisecond})
	var mu sync.Mutex
	conns := 0
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	srv.Start()
	defer srv.Close()
	res, err := RunLoad(context.Background(), LoadOptions{BaseURL: srv.URL, Model: benchtest.Model, Prompts: 48, Concurrency: 6, MaxTokens: 4, Seed: 1, MetricsPath: "/metrics",
		Client: LoadClient(time.Minute, 6)})
	if err != nil || res.Failed != 0 {
		t.Fatal(res, err)
	}
	mu.Lock()
	defer mu.Unlock()
	// Concurrency for the completions, and one for the metrics reads.
	if conns > 7 {
		t.Errorf("%d connections for 48 requests, 6 at a time", conns)
	}
}

// slowAccept makes each new connection cost its server a delay, as a
// port-forward's new stream does.
type slowAccept struct {
	net.Listener
	delay time.Duration
}

func (l slowAccept) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	time.Sleep(l.delay)
	return c, err
}

// The load's connections are open before it is timed: a connection's
// setup (250 ms here) lands in no request's time to first token, not even
// at p95 (without the warm-up, the first 4 of 20 requests carry it).
func TestRunLoadWarmsItsConnections(t *testing.T) {
	srv := httptest.NewUnstartedServer(&benchtest.Server{TTFT: 50 * time.Millisecond, Gap: time.Millisecond})
	srv.Listener = slowAccept{srv.Listener, 250 * time.Millisecond}
	srv.Start()
	defer srv.Close()
	res, err := RunLoad(context.Background(), LoadOptions{BaseURL: srv.URL, Model: benchtest.Model, Prompts: 20, Concurrency: 4, MaxTokens: 4, Seed: 1,
		Client: LoadClient(time.Minute, 4)})
	if err != nil || res.Failed != 0 {
		t.Fatal(res, err)
	}
	if res.TTFT.Max > 200*time.Millisecond {
		t.Errorf("TTFT %+v: a connection's setup was timed", res.TTFT)
	}
}
