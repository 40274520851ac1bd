package metrics

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/common/model"

	"github.com/tiergate/tiergate/internal/textutil"
)

// Sources of the serving figures, as shown.
const SourcePrometheus = "prometheus"

var (
	errNoEngine = errors.New("no LLM engine metrics")
	errNoPort   = errors.New("no metrics port")
)

// serving reads the LLM servers' figures from Prometheus, then scrapes
// the servers Prometheus has no series for directly, twice across
// collections, for the rate.
func (r *run) serving(ctx context.Context) {
	servers := r.running(func(t Target) bool { return t.Server })
	if len(servers) == 0 {
		return
	}
	found := map[PodKey]bool{}
	if q := r.c.src.Prometheus; q != nil {
		r.prometheus(ctx, q, promFigures(r.c.opts.Window), func(t Target) bool { return t.Running && t.Server }, func(k PodKey, p *Pod, engine string) {
			p.Engine, p.ServingSource = engine, SourcePrometheus
		})
		// Found: Prometheus has a rate for it; a pod with gauges only (no
		// sample in the window yet) is scraped.
		for _, t := range servers {
			if p := r.pods[t.PodKey]; p.TokensPerSecond != nil || p.InferencesPerSecond != nil {
				found[t.PodKey] = true
			}
		}
	}
	var left []Target
	for _, t := range servers {
		if !found[t.PodKey] {
			left = append(left, t)
		}
	}
	if r.c.src.Pods == nil {
		for _, t := range left {
			r.update(t.PodKey, func(p *Pod) { p.why(FigureTokens, WhyNoSource) })
		}
		return
	}
	each(ctx, r, left, r.scrape)
}

// prometheus runs figure queries concurrently and sets the values of the
// targets keep accepts; it returns the pods that had a series.
func (r *run) prometheus(ctx context.Context, q Querier, figs []promFigure, keep func(Target) bool, seen func(PodKey, *Pod, string)) map[PodKey]bool {
	found := map[PodKey]bool{}
	var mu sync.Mutex
	each(ctx, r, figs, func(ctx context.Context, f promFigure) {
		vec, err := q.Query(ctx, f.query, time.Time{})
		if err != nil {
			r.note(fmt.Sprintf("prometheus: %s query failed: %v", f.name, textutil.OneLine(err.Error())))
			return
		}
		for _, s := range vec {
			k := PodKey{string(s.Metric["namespace"]), string(s.Metric["pod"])}
			v := float64(s.Value)
			if t, ok := r.tgt[k]; !ok || !keep(t) || !finite(v) {
				continue
			}
			engine := string(s.Metric[model.LabelName("engine")])
			r.update(k, func(p *Pod) {
				f.set(p, v)
				seen(k, p, engine)
			})
			mu.Lock()
			found[k] = true
			mu.Unlock()
		}
	})
	return found
}

// scrape reads one server's metrics port; the rate needs the reading of
// the previous collection.
func (r *run) scrape(ctx context.Context, t Target) {
	reading, port, err := r.read(ctx, t)
	if err != nil {
		why := reason(err)
		switch why {
		case WhyForbidden: // RBAC
			r.note("tokens/s: pods/proxy is forbidden, so servers' metrics ports are not readable (give --prometheus-url or --prometheus-service)")
		case WhyRefused: // the error names the pod: one note says it for all
			r.note("tokens/s: the API server's pod proxy refused to connect to the pods' addresses")
		}
		r.update(t.PodKey, func(p *Pod) { p.why(FigureTokens, why) })
		return
	}
	r.c.state.Lock()
	prev, had := r.c.prev[t.PodKey]
	r.c.prev[t.PodKey] = reading
	r.c.ports[t.PodKey] = port
	r.c.state.Unlock()
	r.update(t.PodKey, func(p *Pod) {
		p.Engine = reading.Engine
		p.ServingSource = fmt.Sprintf("pod port %d", port.Number)
		p.RequestsRunning, p.RequestsWaiting, p.KVCacheUsage = reading.Running, reading.Waiting, reading.KVCache
		switch {
		case reading.Tokens == nil && reading.Inferences == nil:
			p.why(FigureTokens, WhyNoTraffic) // the counter appears with the first request
		case !had:
			p.why(FigureTokens, WhyMeasuring)
		default:
			rates := RatesBetween(prev, reading)
			p.TokensPerSecond, p.PromptTokensPerSecond, p.InferencesPerSecond = rates.Tokens, rates.Prompt, rates.Inferences
			if rates.Tokens == nil && rates.Inferences == nil {
				p.why(FigureTokens, WhyMeasuring) // the counter is new since the last reading
			}
		}
	})
}

// read scrapes the port that answered before, else each candidate in
// turn until one serves an engine's metrics.
func (r *run) read(ctx context.Context, t Target) (Reading, Port, error) {
	ports := t.Ports
	r.c.state.Lock()
	if p, ok := r.c.ports[t.PodKey]; ok {
		ports = append([]Port{p}, ports...)
	}
	r.c.state.Unlock()
	var lastErr error
	tried := map[Port]bool{}
	for _, port := range ports {
		if tried[port] {
			continue
		}
		tried[port] = true
		body, ct, err := r.c.src.Pods.Scrape(ctx, t.PodKey, port)
		if err != nil {
			if denied(err) {
				return Reading{}, port, err // no other port will be allowed either
			}
			lastErr = err
			continue
		}
		fams, err := Parse(body, ct)
		if err != nil {
			lastErr = fmt.Errorf("port %d: %w", port.Number, err)
			continue
		}
		if reading, ok := Read(fams, r.c.opts.Now()); ok {
			return reading, port, nil
		}
		lastErr = fmt.Errorf("port %d%s: %w", port.Number, port.Path, errNoEngine)
	}
	if lastErr == nil {
		lastErr = errNoPort
	}
	return Reading{}, Port{}, lastErr
}
