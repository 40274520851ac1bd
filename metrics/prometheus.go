package metrics

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// Querier runs an instant PromQL query that returns a vector.
type Querier interface {
	Query(ctx context.Context, query string, at time.Time) (model.Vector, error)
}

// Prometheus queries a Prometheus server's HTTP API.
type Prometheus struct {
	api promv1.API
}

// NewPrometheus connects to a Prometheus at address (a URL, which may be
// an API server's service proxy path); rt carries the credentials (nil:
// plain HTTP).
func NewPrometheus(address string, rt http.RoundTripper) (*Prometheus, error) {
	cfg := api.Config{Address: address, RoundTripper: rt}
	c, err := api.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("prometheus %s: %w", address, err)
	}
	return &Prometheus{api: promv1.NewAPI(c)}, nil
}

// Query runs an instant query; a result that is not a vector is an error.
func (p *Prometheus) Query(ctx context.Context, query string, at time.Time) (model.Vector, error) {
	v, _, _, err := p.api.Query(ctx, query, at) // a zero time: the server's now
	if err != nil {
		return nil, err
	}
	vec, ok := v.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("prometheus: %s result for a vector query", v.Type())
	}
	return vec, nil
}

// promFigure is one PromQL query and where its values go.
type promFigure struct {
	name  string
	query string
	set   func(p *Pod, v float64)
}

// promFigures are the queries of the serving figures: every engine's
// series at once, each labelled with its engine by label_replace, summed
// (averaged for the KV cache) by namespace and pod.
func promFigures(window string) []promFigure {
	per := func(agg string, pick func(e Engine) (string, bool)) string {
		var parts []string
		for _, e := range Engines {
			expr, ok := pick(e)
			if !ok {
				continue
			}
			parts = append(parts, fmt.Sprintf(`label_replace(%s by (namespace, pod) (%s), "engine", %q, "", "")`, agg, expr, e.Name))
		}
		return strings.Join(parts, " or ")
	}
	rateOf := func(name string) (string, bool) {
		return "rate(" + name + "[" + window + "])", name != ""
	}
	gauge := func(name string) (string, bool) { return name, name != "" }
	return []promFigure{
		{FigureTokens, per("sum", func(e Engine) (string, bool) {
			if e.Tokens == "" && e.TokensSum != "" {
				return rateOf(e.TokensSum + "_sum")
			}
			return rateOf(e.Tokens)
		}), func(p *Pod, v float64) { p.TokensPerSecond = &v }},
		{"prompt", per("sum", func(e Engine) (string, bool) {
			if e.Prompt == "" && e.PromptSum != "" {
				return rateOf(e.PromptSum + "_sum")
			}
			return rateOf(e.Prompt)
		}), func(p *Pod, v float64) { p.PromptTokensPerSecond = &v }},
		{"inferences", per("sum", func(e Engine) (string, bool) { return rateOf(e.Inferences) }),
			func(p *Pod, v float64) { p.InferencesPerSecond = &v }},
		{"running", per("sum", func(e Engine) (string, bool) { return gauge(e.Running) }),
			func(p *Pod, v float64) { p.RequestsRunning = &v }},
		{"waiting", per("sum", func(e Engine) (string, bool) { return gauge(e.Waiting) }),
			func(p *Pod, v float64) { p.RequestsWaiting = &v }},
		{"kvcache", per("avg", func(e Engine) (string, bool) {
			if len(e.KVCache) == 0 {
				return "", false
			}
			return strings.Join(e.KVCache, " or "), true
		}), func(p *Pod, v float64) { p.KVCacheUsage = &v }},
	}
}

// gpuFigures are the DCGM queries: utilisation averaged and framebuffer
// (MiB) summed over a pod's GPUs. Scraped without honor_labels, the
// exporter's pod labels arrive as exported_pod and exported_namespace
// (pod then names the exporter): those win when present.
func gpuFigures() []promFigure {
	workload := func(metric string) string {
		return `label_replace(label_replace(` + metric + `, "pod", "$1", "exported_pod", "(.+)"), "namespace", "$1", "exported_namespace", "(.+)")`
	}
	return []promFigure{
		{"gpu", "avg by (namespace, pod) (" + workload(DCGMUtil) + ")", func(p *Pod, v float64) { p.GPUUtil = &v }},
		{"gpumem", "sum by (namespace, pod) (" + workload(DCGMFBUsed) + ") * 1048576", func(p *Pod, v float64) { p.GPUMemoryUsedBytes = &v }},
	}
}
