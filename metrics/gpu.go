package metrics

import dto "github.com/prometheus/client_model/go"

// GPUUse is a pod's GPU figures from the DCGM exporter.
type GPUUse struct {
	// Util is the utilisation in percent averaged over the pod's GPUs;
	// MemoryUsedBytes the framebuffer used on them, summed.
	Util, MemoryUsedBytes *float64
}

// DCGMByPod reads a DCGM exporter's exposition: the GPUs its pod mapping
// attributes to pods (series without pod labels belong to no pod).
func DCGMByPod(f Families) map[PodKey]GPUUse {
	util := map[PodKey][]float64{}
	mem := map[PodKey]float64{}
	each := func(name string, fn func(PodKey, float64)) {
		mf := f[name]
		if mf == nil {
			return
		}
		for _, m := range mf.Metric {
			l := labels(m)
			if l["namespace"] == "" || l["pod"] == "" {
				continue
			}
			if v := value(m); finite(v) {
				fn(PodKey{l["namespace"], l["pod"]}, v)
			}
		}
	}
	each(DCGMUtil, func(k PodKey, v float64) { util[k] = append(util[k], v) })
	each(DCGMFBUsed, func(k PodKey, v float64) { mem[k] += v * (1 << 20) }) // MiB
	out := map[PodKey]GPUUse{}
	for k, vs := range util {
		total := 0.0
		for _, v := range vs {
			total += v
		}
		avg := total / float64(len(vs))
		u := out[k]
		u.Util = &avg
		out[k] = u
	}
	for k, v := range mem {
		u := out[k]
		u.MemoryUsedBytes = &v
		out[k] = u
	}
	return out
}

func labels(m *dto.Metric) map[string]string {
	out := make(map[string]string, len(m.Label))
	for _, lp := range m.Label {
		out[lp.GetName()] = lp.GetValue()
	}
	return out
}
