// Package engines is the one table of LLM serving engines: how what runs
// names each of them (image and command substrings, the classifier's
// strongest evidence of an inference server) and the metric families its
// exporter writes (the figures the view and the exporter read). Field
// facts come from ../shared/reference/SIGNALS.md, sections 1 and 5.
package engines

import "strings"

// Engine is one serving engine.
type Engine struct {
	// Name is how evidence, the view and the figures name it.
	Name string
	// Images are substrings of a lowercased image reference that run it.
	Images []string
	// Commands are substrings of a lowercased command or argument that
	// start it (evidence quotes the substring, never the argument).
	Commands []string
	// Metrics are its metric families; nil when tiergate reads none.
	Metrics *Metrics
	// Serve is how tiergate bench runs the engine's own image as a server
	// and drives its OpenAI-compatible API; nil when it cannot.
	Serve *Serve
}

// Serve is how an engine's image serves its OpenAI-compatible API.
type Serve struct {
	// Port is where the API listens once Env is set.
	Port int32
	// Ready is the path that answers 200 only once the model is loaded
	// and requests are served: the bench pod's readiness probe.
	Ready string
	// MetricsPath serves the engine's metrics on Port ("" for none):
	// the bench cross-checks its token count with the engine's counter.
	MetricsPath string
	// Env the image needs to serve on Port as a non-root user: TGI's
	// image listens on port 80, which needs a capability the bench pods
	// drop.
	Env map[string]string
	// Pull says the server starts with no model and is asked to pull the
	// one named (Ollama's POST /api/pull) before the load.
	Pull bool
}

// Metrics names an engine's metric families, as its exporter writes them.
type Metrics struct {
	// Prefix marks the engine's families in an exposition ("vllm:").
	Prefix string
	// Tokens and Prompt are counters of generated and prompt tokens.
	// TGI has no counter: TokensSum and PromptSum are its histograms of
	// tokens per request, whose _sum grows like a counter.
	Tokens, Prompt, TokensSum, PromptSum string
	// Inferences counts requests served, for engines that count no tokens
	// (Triton).
	Inferences string
	// Running and Waiting are gauges of requests in the batch and queued;
	// KVCache is the KV-cache use (0..1), and its older names.
	Running, Waiting string
	KVCache          []string
	// Ports are where the engine's images serve metrics by default.
	Ports []int32
}

// All returns the engines, most specific first: the classifier reports
// the first whose image or command matches.
func All() []Engine {
	return []Engine{
		{Name: "vLLM", Images: []string{"vllm"}, Commands: []string{"vllm"}, Metrics: &Metrics{
			Prefix: "vllm:", Tokens: "vllm:generation_tokens_total", Prompt: "vllm:prompt_tokens_total",
			Running: "vllm:num_requests_running", Waiting: "vllm:num_requests_waiting",
			KVCache: []string{"vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"}, Ports: []int32{8000}},
			Serve: &Serve{Port: 8000, Ready: "/health", MetricsPath: "/metrics"}},
		{Name: "Hugging Face TGI", Images: []string{"text-generation-inference"}, Commands: []string{"text-generation-launcher"}, Metrics: &Metrics{
			Prefix: "tgi_", TokensSum: "tgi_request_generated_tokens", PromptSum: "tgi_request_input_length",
			Running: "tgi_batch_current_size", Waiting: "tgi_queue_size", Ports: []int32{80, 3000, 8080}},
			Serve: &Serve{Port: 8080, Ready: "/health", MetricsPath: "/metrics", Env: map[string]string{"PORT": "8080"}}},
		{Name: "NVIDIA Triton", Images: []string{"tritonserver"}, Commands: []string{"tritonserver"}, Metrics: &Metrics{
			Prefix: "nv_inference_", Inferences: "nv_inference_count",
			Running: "nv_inference_pending_request_count", Ports: []int32{8002}}},
		{Name: "NVIDIA NIM", Images: []string{"nvcr.io/nim/"}},
		{Name: "SGLang", Images: []string{"sglang"}, Commands: []string{"sglang.launch_server"}, Metrics: &Metrics{
			Prefix: "sglang:", Tokens: "sglang:generation_tokens_total", Prompt: "sglang:prompt_tokens_total",
			Running: "sglang:num_running_reqs", Waiting: "sglang:num_queue_reqs",
			KVCache: []string{"sglang:token_usage"}, Ports: []int32{30000}},
			Serve: &Serve{Port: 30000, Ready: "/health", MetricsPath: "/metrics"}},
		{Name: "llama.cpp", Images: []string{"llama.cpp", "llamacpp", "llama-cpp", "llama-server"}, Commands: []string{"llama-server", "llama.cpp", "llamacpp"}, Metrics: &Metrics{
			Prefix: "llamacpp:", Tokens: "llamacpp:tokens_predicted_total", Prompt: "llamacpp:prompt_tokens_total",
			Running: "llamacpp:requests_processing", Waiting: "llamacpp:requests_deferred",
			KVCache: []string{"llamacpp:kv_cache_usage_ratio"}, Ports: []int32{8080}},
			Serve: &Serve{Port: 8080, Ready: "/health", MetricsPath: "/metrics"}},
		{Name: "Ollama", Images: []string{"ollama"}, Commands: []string{"ollama serve"},
			Serve: &Serve{Port: 11434, Ready: "/api/version", Pull: true}},
		{Name: "LMDeploy", Images: []string{"lmdeploy"}, Commands: []string{"lmdeploy serve"}},
		{Name: "TensorRT-LLM", Images: []string{"tensorrt-llm", "tensorrtllm", "trtllm"}, Commands: []string{"trtllm-serve"}},
		{Name: "LocalAI", Images: []string{"localai"}},
		{Name: "model server", Images: []string{"mlc-llm", "aphrodite", "xinference", "openllm", "lorax", "jetstream"}},
		{Name: "KServe Hugging Face server", Images: []string{"huggingfaceserver"}},
		{Name: "Ray LLM", Images: []string{"ray-llm"}},
		{Name: "llm-d", Images: []string{"llm-d/"}},
		{Name: "LiteLLM gateway", Images: []string{"litellm"}},
	}
}

// ForImage is the first engine whose image needle the lowercased image
// reference holds, in the table's order (the classifier's); nil for none.
func ForImage(image string) *Engine {
	image = strings.ToLower(image)
	for _, e := range All() {
		for _, n := range e.Images {
			if strings.Contains(image, n) {
				return &e
			}
		}
	}
	return nil
}

// Named is the engine of that name, case-insensitively ("vllm",
// "sglang", "ollama", "llama.cpp"; TGI also as "tgi"); nil for none.
func Named(name string) *Engine {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, e := range All() {
		n := strings.ToLower(e.Name)
		if n == name || strings.TrimPrefix(n, "hugging face ") == name {
			return &e
		}
	}
	return nil
}

// Served names the engines the bench can drive, for messages.
func Served() []string {
	var out []string
	for _, e := range All() {
		if e.Serve != nil {
			out = append(out, e.Name)
		}
	}
	return out
}
