package metrics

import "strings"

// Engine names the metric families of one LLM serving engine, as its
// exporter writes them (../shared/reference/SIGNALS.md, section 5).
type Engine struct {
	Name string
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
	// Ports are where the engine's images serve metrics by default, tried
	// for a container whose image has one of Images in its name.
	Ports  []int32
	Images []string
}

// Engines are the engines tiergate reads, in the order they are tried.
var Engines = []Engine{
	{Name: "vLLM", Prefix: "vllm:", Tokens: "vllm:generation_tokens_total", Prompt: "vllm:prompt_tokens_total",
		Running: "vllm:num_requests_running", Waiting: "vllm:num_requests_waiting",
		KVCache: []string{"vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"}, Ports: []int32{8000}, Images: []string{"vllm"}},
	{Name: "SGLang", Prefix: "sglang:", Tokens: "sglang:generation_tokens_total", Prompt: "sglang:prompt_tokens_total",
		Running: "sglang:num_running_reqs", Waiting: "sglang:num_queue_reqs",
		KVCache: []string{"sglang:token_usage"}, Ports: []int32{30000}, Images: []string{"sglang"}},
	{Name: "llama.cpp", Prefix: "llamacpp:", Tokens: "llamacpp:tokens_predicted_total", Prompt: "llamacpp:prompt_tokens_total",
		Running: "llamacpp:requests_processing", Waiting: "llamacpp:requests_deferred",
		KVCache: []string{"llamacpp:kv_cache_usage_ratio"}, Ports: []int32{8080}, Images: []string{"llama.cpp", "llama-cpp", "llamacpp", "llama-server"}},
	{Name: "TGI", Prefix: "tgi_", TokensSum: "tgi_request_generated_tokens", PromptSum: "tgi_request_input_length",
		Running: "tgi_batch_current_size", Waiting: "tgi_queue_size", Ports: []int32{80, 3000, 8080}, Images: []string{"text-generation-inference", "tgi"}},
	{Name: "Triton", Prefix: "nv_inference_", Inferences: "nv_inference_count",
		Running: "nv_inference_pending_request_count", Ports: []int32{8002}, Images: []string{"tritonserver", "triton"}},
}

// engineOf finds the engine whose families an exposition holds.
func engineOf(names func(prefix string) bool) *Engine {
	for i := range Engines {
		if names(Engines[i].Prefix) {
			return &Engines[i]
		}
	}
	return nil
}

// DCGM exporter families (port 9400): GPU utilisation in percent and
// framebuffer memory used in MiB, labelled with the pod when the
// exporter's pod mapping is on.
const (
	DCGMUtil   = "DCGM_FI_DEV_GPU_UTIL"
	DCGMFBUsed = "DCGM_FI_DEV_FB_USED"
	DCGMPort   = 9400
)

// CAdvisorRSS is cAdvisor's resident memory per container.
const CAdvisorRSS = "container_memory_rss"

// IsDCGMExporter tells an NVIDIA DCGM exporter pod by its image.
func IsDCGMExporter(image string) bool { return strings.Contains(image, "dcgm-exporter") }
