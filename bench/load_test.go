package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeServer streams chat completions at a known pace: the first token
// after ttft, then one every gap, max_tokens in all; it counts them in
// vLLM's counter and reports usage when asked unless noUsage.
type fakeServer struct {
	ttft, gap time.Duration
	noUsage   bool
	failEvery int // every n-th request answers 500
	mu        sync.Mutex
	generated int
	requests  int
	prompts   []string
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v1/models":
		fmt.Fprint(w, `{"object":"list","data":[{"id":"qwen2.5-0.5b","object":"model"}]}`)
		return
	case "/metrics":
		f.mu.Lock()
		defer f.mu.Unlock()
		fmt.Fprintf(w, "# TYPE vllm:generation_tokens_total counter\nvllm:generation_tokens_total{model_name=\"qwen2.5-0.5b\"} %d\n", f.generated)
		return
	}
	var req struct {
		Model     string                     `json:"model"`
		Messages  []struct{ Content string } `json:"messages"`
		MaxTokens int                        `json:"max_tokens"`
		Stream    bool                       `json:"stream"`
		Options   struct {
			IncludeUsage bool `json:"include_usage"`
		} `json:"stream_options"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || !req.Stream || req.Model != "qwen2.5-0.5b" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.requests++
	n := f.requests
	f.prompts = append(f.prompts, req.Messages[0].Content)
	f.mu.Unlock()
	if f.failEvery > 0 && n%f.failEvery == 0 {
		http.Error(w, "engine overloaded", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	fl := w.(http.Flusher)
	time.Sleep(f.ttft)
	for i := range req.MaxTokens {
		if i > 0 {
			time.Sleep(f.gap)
		}
		fmt.Fprintf(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok%d \"}}]}\n\n", i)
		fl.Flush()
		f.mu.Lock()
		f.generated++
		f.mu.Unlock()
	}
	if req.Options.IncludeUsage && !f.noUsage {
		fmt.Fprintf(w, "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":%d}}\n\n", req.MaxTokens)
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	fl.Flush()
}

func near(got, want, tolerance float64) bool { return math.Abs(got-want) <= want*tolerance }

// A server of known pace: 8 requests, 4 at a time, 20 tokens each, the
// first after 200 ms and then one every 20 ms: each request takes
// 200+19×20 = 580 ms, the load two rounds, 1.16 s for 160 tokens.
func TestRunLoadRecoversAKnownRate(t *testing.T) {
	for _, noUsage := range []bool{false, true} {
		t.Run(fmt.Sprintf("noUsage=%v", noUsage), func(t *testing.T) {
			f := &fakeServer{ttft: 200 * time.Millisecond, gap: 20 * time.Millisecond, noUsage: noUsage}
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
			if res.Model != "qwen2.5-0.5b" || res.Requests != 8 || res.Failed != 0 || res.CompletionTokens != 160 || res.TokensFrom != wantFrom {
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
	f := &fakeServer{gap: time.Millisecond, failEvery: 3}
	srv := httptest.NewServer(f)
	defer srv.Close()
	res, err := RunLoad(context.Background(), LoadOptions{BaseURL: srv.URL, Model: "qwen2.5-0.5b", Prompts: 9, Concurrency: 1, MaxTokens: 5, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 3 || res.Failures["HTTP 500 Internal Server Error"] != 3 || res.CompletionTokens != 30 || res.Engine != nil {
		t.Errorf("%+v", res)
	}
	// The same seed is the same prompts, in order (one at a time).
	if got, want := strings.Join(f.prompts, "|"), strings.Join(Prompts(42, 9), "|"); got != want {
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
