package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/metrics"
)

// LoadOptions drive an OpenAI-compatible server (vLLM, SGLang, TGI,
// llama.cpp, Ollama) with a fixed, seeded load.
type LoadOptions struct {
	// BaseURL is the server, e.g. the local end of a port-forward.
	BaseURL string
	// Model is the model to ask; "" takes the first of GET /v1/models.
	Model string
	// Prompts is the number of requests in all; Concurrency how many are
	// in flight at once; MaxTokens the completion length asked of each.
	Prompts, Concurrency, MaxTokens int
	Seed                            uint64
	// MetricsPath is where the engine exposes its metrics ("/metrics"),
	// read before and after for the cross-check; "" skips it.
	MetricsPath string
	// Pull asks the server to pull Model first (Ollama's POST /api/pull):
	// it starts with none.
	Pull   bool
	Client *http.Client
}

// LoadResult is what one load measured.
type LoadResult struct {
	Model    string         `json:"model"`
	Requests int            `json:"requests"`
	Failed   int            `json:"failed"`
	Failures map[string]int `json:"failures,omitempty"`
	// CompletionTokens are the tokens generated, as the server's usage
	// counts them, or as streamed chunks where it reports no usage
	// (TokensFrom says which).
	CompletionTokens int           `json:"completionTokens"`
	TokensFrom       string        `json:"tokensFrom"`
	Wall             time.Duration `json:"wall"`
	// TokensPerSecond is CompletionTokens over the wall time of the
	// whole load: the throughput the server sustained at Concurrency.
	TokensPerSecond float64 `json:"tokensPerSecond"`
	// TTFT is each request's time to its first streamed token.
	TTFT Dist `json:"ttft"`
	// Engine cross-checks the count with the engine's own counter.
	Engine *EngineCount `json:"engine,omitempty"`
}

// EngineCount is the engine's generated-tokens counter over the load.
type EngineCount struct {
	Name   string  `json:"name"`
	Tokens float64 `json:"tokens"`
}

// request is one streamed completion's outcome.
type request struct {
	ttft   time.Duration
	tokens int
	usage  bool
	err    string
}

// LoadClient is the load's HTTP client: each request at most timeout,
// and an idle connection kept for each one in flight (the default keeps
// two): through a port-forward a new connection is a new stream set up
// by the API server and the kubelet, which must not land in the time to
// first token.
func LoadClient(timeout time.Duration, concurrency int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = max(concurrency, 1) + 1 // and the metrics reads
	return &http.Client{Timeout: timeout, Transport: t}
}

// RunLoad sends the prompts, Concurrency at a time, each streamed, and
// times the whole load and each first token.
func RunLoad(ctx context.Context, o LoadOptions) (*LoadResult, error) {
	o.Concurrency = max(o.Concurrency, 1)
	if o.Client == nil {
		o.Client = LoadClient(0, o.Concurrency)
	}
	base := strings.TrimRight(o.BaseURL, "/")
	model := o.Model
	if o.Pull {
		if model == "" {
			return nil, errors.New("the server pulls its model when asked: name one with --model")
		}
		if err := pull(ctx, o.Client, base, model); err != nil {
			return nil, err
		}
	}
	if model == "" {
		var err error
		if model, err = firstModel(ctx, o.Client, base); err != nil {
			return nil, err
		}
	}
	warm(ctx, o.Client, base, o.Concurrency)
	before, engine := o.engineTokens(ctx, base)
	prompts := Prompts(o.Seed, o.Prompts)
	results := make([]request, len(prompts))
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range min(o.Concurrency, len(prompts)) {
		wg.Go(func() {
			for i := range next {
				results[i] = complete(ctx, o.Client, base, model, prompts[i], o.MaxTokens)
			}
		})
	}
feed:
	for i := range prompts {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	wall := time.Since(start)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &LoadResult{Model: model, Requests: len(prompts), Wall: wall, TokensFrom: "usage"}
	var ttfts []time.Duration
	for _, r := range results {
		if r.err != "" {
			res.Failed++
			if res.Failures == nil {
				res.Failures = map[string]int{}
			}
			res.Failures[r.err]++
			continue
		}
		res.CompletionTokens += r.tokens
		if !r.usage {
			res.TokensFrom = "chunks"
		}
		ttfts = append(ttfts, r.ttft)
	}
	res.TTFT = Distribution(ttfts)
	if wall > 0 {
		res.TokensPerSecond = float64(res.CompletionTokens) / wall.Seconds()
	}
	if after, _ := o.engineTokens(ctx, base); before != nil && after != nil {
		res.Engine = &EngineCount{Name: engine, Tokens: *after - *before}
	}
	return res, nil
}

// pull asks an Ollama server to pull the model and waits until it has:
// the pull is not part of the load (the download is the network's cost,
// not the runtime's).
func pull(ctx context.Context, c *http.Client, base, model string) error {
	body, _ := json.Marshal(map[string]any{"model": model, "stream": false})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/pull", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("pull %s: %v", model, textutil.OneLine(err.Error()))
	}
	defer resp.Body.Close()
	var st struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&st)
	if resp.StatusCode != http.StatusOK || st.Error != "" {
		why := st.Error
		if why == "" {
			why = resp.Status
		}
		return fmt.Errorf("pull %s: %s", model, textutil.OneLine(why))
	}
	return nil
}

// warm opens the load's connections before it is timed: n requests at
// once (GET /v1/models, which every engine serves), their connections
// left in the pool. Through a port-forward a new connection is a stream
// the API server and the kubelet (for Kata, its agent) set up: the first
// n requests would otherwise carry that in their time to first token, a
// share of them that reaches p95. Errors are the load's to find.
func warm(ctx context.Context, c *http.Client, base string, n int) {
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/models", nil)
			if err != nil {
				return
			}
			resp, err := c.Do(req)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			_ = resp.Body.Close()
		})
	}
	wg.Wait()
}

// firstModel asks the server which model it serves.
func firstModel(ctx context.Context, c *http.Client, base string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/models", nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("GET /v1/models: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET /v1/models: %s", resp.Status)
	}
	var models struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&models); err != nil {
		return "", fmt.Errorf("GET /v1/models: %v", err)
	}
	if len(models.Data) == 0 || models.Data[0].ID == "" {
		return "", errors.New("GET /v1/models: the server lists no model")
	}
	return models.Data[0].ID, nil
}

// chunk is one streamed chat completion event.
type chunk struct {
	Choices []struct {
		Delta struct {
			Content          string `json:"content"`
			ReasoningContent string `json:"reasoning_content"`
		} `json:"delta"`
	} `json:"choices"`
	Usage *struct {
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
}

// complete streams one chat completion: temperature 0 and a fixed seed,
// so that each runtime is asked for the same work.
func complete(ctx context.Context, c *http.Client, base, model, prompt string, maxTokens int) request {
	body, _ := json.Marshal(map[string]any{
		"model": model, "messages": []map[string]string{{"role": "user", "content": prompt}},
		"max_tokens": maxTokens, "temperature": 0, "seed": 1, "stream": true,
		"stream_options": map[string]bool{"include_usage": true},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/chat/completions", bytes.NewReader(body))
	if err != nil {
		return request{err: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	sent := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return request{err: "request: " + textutil.OneLine(err.Error())}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return request{err: "HTTP " + resp.Status}
	}
	var r request
	chunks := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data:")
		if !ok {
			continue
		}
		data = strings.TrimSpace(data)
		if data == "[DONE]" {
			break
		}
		var ch chunk
		if err := json.Unmarshal([]byte(data), &ch); err != nil {
			return request{err: "a streamed event is not JSON"}
		}
		for _, c := range ch.Choices {
			if c.Delta.Content != "" || c.Delta.ReasoningContent != "" {
				if chunks == 0 {
					r.ttft = time.Since(sent)
				}
				chunks++
			}
		}
		if ch.Usage != nil && ch.Usage.CompletionTokens > 0 {
			r.tokens, r.usage = ch.Usage.CompletionTokens, true
		}
	}
	if err := sc.Err(); err != nil {
		return request{err: "stream: " + textutil.OneLine(err.Error())}
	}
	// What follows [DONE] (the chunked body's end) is read, so that the
	// connection goes back to the pool rather than closed.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if chunks == 0 {
		return request{err: "no token streamed"}
	}
	if !r.usage {
		r.tokens = chunks // one token per chunk is what these servers stream
	}
	return r
}

// engineTokens reads the engine's generated-tokens counter; nil when the
// server exposes none tiergate knows.
func (o LoadOptions) engineTokens(ctx context.Context, base string) (*float64, string) {
	if o.MetricsPath == "" {
		return nil, ""
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+o.MetricsPath, nil)
	if err != nil {
		return nil, ""
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := o.Client.Do(req)
	if err != nil {
		return nil, ""
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, ""
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, metrics.MaxExposition+1))
	if err != nil {
		return nil, ""
	}
	fams, err := metrics.Parse(body, resp.Header.Get("Content-Type"))
	if err != nil {
		return nil, ""
	}
	r, ok := metrics.Read(fams, time.Now())
	if !ok {
		return nil, ""
	}
	return r.Tokens, r.Engine
}
