package metrics

import (
	"encoding/json"
	"fmt"

	statsv1alpha1 "k8s.io/kubelet/pkg/apis/stats/v1alpha1"
)

// Sources of a pod's memory figure, as shown.
const (
	SourceSummary    = "kubelet summary"
	SourceCAdvisor   = "cadvisor"
	SourceWorkingSet = "metrics.k8s.io working set (not RSS)"
)

// SummaryRSS reads a kubelet Summary API response: the resident memory of
// each pod, the sum of its containers' rssBytes, else the pod's own (a
// sandboxed pod may report only that). A pod with neither is absent.
func SummaryRSS(body []byte) (map[PodKey]float64, error) {
	var s statsv1alpha1.Summary
	if err := json.Unmarshal(body, &s); err != nil {
		return nil, fmt.Errorf("kubelet summary: %w", err)
	}
	out := map[PodKey]float64{}
	for _, p := range s.Pods {
		total, n := 0.0, 0
		for _, c := range p.Containers {
			if c.Memory != nil && c.Memory.RSSBytes != nil {
				total += float64(*c.Memory.RSSBytes)
				n++
			}
		}
		switch {
		case n > 0:
			out[PodKey{p.PodRef.Namespace, p.PodRef.Name}] = total
		case p.Memory != nil && p.Memory.RSSBytes != nil:
			// A sandboxed pod (gVisor, Kata) may report only the pod's.
			out[PodKey{p.PodRef.Namespace, p.PodRef.Name}] = float64(*p.Memory.RSSBytes)
		}
	}
	return out, nil
}

// CAdvisorRSSByPod reads cAdvisor's container_memory_rss per pod: the sum
// over the pod's containers, without the pod-level cgroup (container="")
// and the pause container ("POD"). Kubelets before 1.16 label pod_name
// and container_name.
func CAdvisorRSSByPod(f Families) map[PodKey]float64 {
	out := map[PodKey]float64{}
	mf := f[CAdvisorRSS]
	if mf == nil {
		return out
	}
	for _, m := range mf.Metric {
		l := labels(m)
		ns, pod, ctr := l["namespace"], first2(l["pod"], l["pod_name"]), first2(l["container"], l["container_name"])
		if ns == "" || pod == "" || ctr == "" || ctr == "POD" {
			continue
		}
		if v := value(m); finite(v) {
			out[PodKey{ns, pod}] += v
		}
	}
	return out
}

func first2(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// PodMemory is a pod's memory as a whole: the pod's own cgroup, which
// also holds what a sandbox runs beside the containers (gVisor's Sentry,
// Kata's VM), as the kubelet reports it.
type PodMemory struct {
	// RSS and WorkingSet are in bytes; RSS is 0 where the source has none.
	RSS        float64 `json:"rssBytes,omitempty"`
	WorkingSet float64 `json:"workingSetBytes,omitempty"`
	Source     string  `json:"source"`
}

// SummaryPodMemory reads the pod-level memory of each pod in a kubelet
// Summary API response (a pod with no pod-level figure is absent: its
// containers' sum would leave the sandbox out).
func SummaryPodMemory(body []byte) (map[PodKey]PodMemory, error) {
	var s statsv1alpha1.Summary
	if err := json.Unmarshal(body, &s); err != nil {
		return nil, fmt.Errorf("kubelet summary: %w", err)
	}
	out := map[PodKey]PodMemory{}
	for _, p := range s.Pods {
		m := p.Memory
		if m == nil || (m.RSSBytes == nil && m.WorkingSetBytes == nil) {
			continue
		}
		pm := PodMemory{Source: SourceSummary}
		if m.RSSBytes != nil {
			pm.RSS = float64(*m.RSSBytes)
		}
		if m.WorkingSetBytes != nil {
			pm.WorkingSet = float64(*m.WorkingSetBytes)
		}
		out[PodKey{p.PodRef.Namespace, p.PodRef.Name}] = pm
	}
	return out, nil
}

// CAdvisorPodMemory reads the pod cgroups' series of cAdvisor's metrics
// (container="" with a pod label; pod_name/container_name before 1.16).
func CAdvisorPodMemory(f Families) map[PodKey]PodMemory {
	out := map[PodKey]PodMemory{}
	read := func(family string, set func(*PodMemory, float64)) {
		mf := f[family]
		if mf == nil {
			return
		}
		for _, m := range mf.Metric {
			l := labels(m)
			ns, pod, ctr := l["namespace"], first2(l["pod"], l["pod_name"]), first2(l["container"], l["container_name"])
			if ns == "" || pod == "" || ctr != "" {
				continue
			}
			if v := value(m); finite(v) {
				k := PodKey{ns, pod}
				pm := out[k]
				pm.Source = SourceCAdvisor
				set(&pm, v)
				out[k] = pm
			}
		}
	}
	read(CAdvisorRSS, func(p *PodMemory, v float64) { p.RSS = v })
	read(CAdvisorWorkingSet, func(p *PodMemory, v float64) { p.WorkingSet = v })
	return out
}
