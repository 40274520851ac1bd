package metrics

import (
	"context"

	"github.com/tiergate/tiergate/internal/textutil"
)

// SourceDCGM is the GPU figures' source when the exporters are scraped.
const SourceDCGM = "dcgm-exporter"

// gpus reads the GPU pods' utilisation from Prometheus's DCGM series,
// else from the DCGM exporter pods directly.
func (r *run) gpus(ctx context.Context, exporters []Target) {
	pods := r.running(func(t Target) bool { return t.GPUs })
	if len(pods) == 0 {
		return
	}
	found := map[PodKey]bool{}
	if q := r.c.src.Prometheus; q != nil {
		found = r.prometheus(ctx, q, gpuFigures(), func(t Target) bool { return t.Running && t.GPUs }, func(_ PodKey, p *Pod, _ string) { p.GPUSource = SourcePrometheus })
	}
	missing := false
	for _, t := range pods {
		missing = missing || !found[t.PodKey]
	}
	if !missing {
		return
	}
	if r.c.src.Pods == nil || len(exporters) == 0 {
		r.note("gpu: no DCGM exporter found (its pods, or DCGM series in Prometheus)")
		return
	}
	each(ctx, r, exporters, func(ctx context.Context, ex Target) {
		port := Port{Number: DCGMPort, Path: "/metrics"}
		if len(ex.Ports) > 0 {
			port = ex.Ports[0]
		}
		body, ct, err := r.c.src.Pods.Scrape(ctx, ex.PodKey, port)
		if err != nil {
			r.note("gpu: DCGM exporter " + ex.String() + ": " + reason(err))
			return
		}
		fams, err := Parse(body, ct)
		if err != nil {
			r.note("gpu: DCGM exporter " + ex.String() + ": " + textutil.OneLine(err.Error()))
			return
		}
		for k, use := range DCGMByPod(fams) {
			if t, ok := r.tgt[k]; !ok || !t.Running || !t.GPUs || found[k] {
				continue
			}
			r.update(k, func(p *Pod) {
				if p.GPUUtil == nil {
					p.GPUUtil, p.GPUMemoryUsedBytes, p.GPUSource = use.Util, use.MemoryUsedBytes, SourceDCGM
				}
			})
		}
	})
}
