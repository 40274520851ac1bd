package metrics

import "time"

// PodKey names a pod.
type PodKey struct{ Namespace, Name string }

func (k PodKey) String() string { return k.Namespace + "/" + k.Name }

// Figures a pod's cell reasons are keyed by.
const (
	FigureRSS    = "rss"
	FigureTokens = "tokens"
	FigureGPU    = "gpu"
)

// Reasons a figure has no value, as a cell shows them.
const (
	WhyNoSource   = "no source"
	WhyForbidden  = "forbidden"
	WhyNotServer  = "not an LLM server"
	WhyNoTraffic  = "no traffic"
	WhyMeasuring  = "measuring"
	WhyNoGPU      = "no GPU"
	WhyNotRunning = "not running"
	// WhyRefused: the API server's proxy would not connect to the address
	// (it refuses loopback and link-local ones, as a kwok node's).
	WhyRefused = "proxy refused"
	// WhyQueued: the pod's node has not had its turn among the kubelets
	// a collection reads (Options.Kubelets) yet.
	WhyQueued = "queued"
)

// Pod is the live figures of one pod. A figure without a value has the
// reason in Why, keyed by FigureRSS, FigureTokens or FigureGPU.
type Pod struct {
	// RSSBytes is the resident memory of the pod's containers; RSSSource
	// says where it came from ("metrics.k8s.io working set" is not RSS).
	RSSBytes  *float64 `json:"rssBytes,omitempty"`
	RSSSource string   `json:"rssSource,omitempty"`
	// RSSAt is when the node's kubelet was read, for a figure carried
	// over from an earlier collection (its node waits its turn within the
	// collector's budget); nil when read by this one.
	RSSAt *time.Time `json:"rssAt,omitempty"`

	// Engine is the serving engine whose metrics were read.
	Engine                string   `json:"engine,omitempty"`
	TokensPerSecond       *float64 `json:"tokensPerSecond,omitempty"`
	PromptTokensPerSecond *float64 `json:"promptTokensPerSecond,omitempty"`
	// InferencesPerSecond is for engines that count no tokens (Triton).
	InferencesPerSecond *float64 `json:"inferencesPerSecond,omitempty"`
	RequestsRunning     *float64 `json:"requestsRunning,omitempty"`
	RequestsWaiting     *float64 `json:"requestsWaiting,omitempty"`
	// KVCacheUsage is 0..1.
	KVCacheUsage  *float64 `json:"kvCacheUsage,omitempty"`
	ServingSource string   `json:"servingSource,omitempty"`

	// GPUUtil is the utilisation in percent, averaged over the pod's GPUs.
	GPUUtil            *float64 `json:"gpuUtil,omitempty"`
	GPUMemoryUsedBytes *float64 `json:"gpuMemoryUsedBytes,omitempty"`
	GPUSource          string   `json:"gpuSource,omitempty"`

	Why map[string]string `json:"why,omitempty"`
}

func (p *Pod) why(figure, reason string) {
	if p.Why == nil {
		p.Why = map[string]string{}
	}
	p.Why[figure] = reason
}

// settle keeps a reason only for figures that have no value.
func (p *Pod) settle() {
	has := map[string]bool{
		FigureRSS:    p.RSSBytes != nil,
		FigureTokens: p.TokensPerSecond != nil || p.InferencesPerSecond != nil,
		FigureGPU:    p.GPUUtil != nil,
	}
	for f := range p.Why {
		if has[f] {
			delete(p.Why, f)
		}
	}
	for f, ok := range has {
		if !ok && p.Why[f] == "" {
			p.why(f, WhyNoSource)
		}
	}
}

// Port is where a pod may serve its engine's metrics.
type Port struct {
	Number int32
	Path   string
}

// Target is a pod to read figures for.
type Target struct {
	PodKey
	// Node is the node the pod is bound to ("" while Pending).
	Node string
	// Running says the pod's phase is Running.
	Running bool
	// Server says the pod serves an LLM: its tokens are read.
	Server bool
	// GPUs says the pod requests GPUs.
	GPUs bool
	// Ports are where to scrape the engine directly, in order.
	Ports []Port
}
