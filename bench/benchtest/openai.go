// Package benchtest is an OpenAI-compatible server of known pace for the
// bench's tests: the load generator's unit tests and the lab test, where
// kwok forwards a bench pod's port to it.
package benchtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Model is the one model the server serves.
const Model = "qwen2.5-0.5b"

// Server streams chat completions at a known pace: the first token after
// TTFT, then one every Gap, max_tokens in all; it counts them in vLLM's
// counter and reports usage when asked unless NoUsage. With Pulls, it
// lists no model until POST /api/pull asked for Model (Ollama).
type Server struct {
	TTFT, Gap time.Duration
	NoUsage   bool
	FailEvery int // every n-th request answers 500
	Pulls     bool

	mu        sync.Mutex
	generated int
	requests  int
	prompts   []string
	pulled    bool
}

// Prompts are the prompts received, in order of arrival.
func (f *Server) Prompts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.prompts...)
}

// Generated is the number of tokens streamed.
func (f *Server) Generated() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.generated
}

func (f *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	pulled := f.pulled || !f.Pulls
	f.mu.Unlock()
	switch r.URL.Path {
	case "/health", "/api/version":
		fmt.Fprint(w, `{"status":"ok"}`)
		return
	case "/api/pull":
		var req struct{ Model string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model != Model {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, `{"error":"pull model manifest: file does not exist"}`)
			return
		}
		f.mu.Lock()
		f.pulled = true
		f.mu.Unlock()
		fmt.Fprint(w, `{"status":"success"}`)
		return
	case "/v1/models":
		if !pulled {
			fmt.Fprint(w, `{"object":"list","data":[]}`)
			return
		}
		fmt.Fprintf(w, `{"object":"list","data":[{"id":%q,"object":"model"}]}`, Model)
		return
	case "/metrics":
		f.mu.Lock()
		defer f.mu.Unlock()
		fmt.Fprintf(w, "# TYPE vllm:generation_tokens_total counter\nvllm:generation_tokens_total{model_name=%q} %d\n", Model, f.generated)
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
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || !req.Stream || req.Model != Model || !pulled {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.requests++
	n := f.requests
	f.prompts = append(f.prompts, req.Messages[0].Content)
	f.mu.Unlock()
	if f.FailEvery > 0 && n%f.FailEvery == 0 {
		http.Error(w, "engine overloaded", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	fl := w.(http.Flusher)
	time.Sleep(f.TTFT)
	for i := range req.MaxTokens {
		if i > 0 {
			time.Sleep(f.Gap)
		}
		fmt.Fprintf(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok%d \"}}]}\n\n", i)
		fl.Flush()
		f.mu.Lock()
		f.generated++
		f.mu.Unlock()
	}
	if req.Options.IncludeUsage && !f.NoUsage {
		fmt.Fprintf(w, "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":%d}}\n\n", req.MaxTokens)
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	fl.Flush()
}
