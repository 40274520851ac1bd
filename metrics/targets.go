package metrics

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

// maxPorts bounds the ports tried on a pod that answers none.
const maxPorts = 4

// Targets turns an audit of live pods into what to read: each pod, with
// the inference servers and GPU holders marked and the ports to scrape
// them at; and the DCGM exporter pods.
func Targets(inv *audit.Inventory, rep *audit.Report) (targets, exporters []Target) {
	results := make(map[PodKey]*audit.Result, len(rep.Workloads))
	for i := range rep.Workloads {
		r := &rep.Workloads[i]
		if r.Kind == "Pod" {
			results[PodKey{r.Namespace, r.Name}] = r
		}
	}
	for i := range inv.Workloads {
		w := &inv.Workloads[i]
		if w.Kind != "Pod" || len(w.Templates) != 1 || w.Templates[0].Spec == nil {
			continue
		}
		spec := w.Templates[0].Spec
		t := Target{PodKey: PodKey{w.Namespace, w.Name}, Node: w.NodeName, Running: w.Phase == string(corev1.PodRunning), Ports: ports(spec)}
		if slices.ContainsFunc(spec.Containers, func(c corev1.Container) bool { return IsDCGMExporter(c.Image) }) {
			ex := t
			ex.Ports = []Port{{Number: DCGMPort, Path: "/metrics"}}
			exporters = append(exporters, ex)
		}
		r := results[t.PodKey]
		if r == nil {
			continue // filtered out of the audit
		}
		t.Server = r.Type == policy.Inference
		t.GPUs = len(r.GPUs) > 0
		targets = append(targets, t)
	}
	return targets, exporters
}

// ports are where a pod may serve its engine's metrics, most likely
// first: ports named for metrics, the default port of an engine whose
// image a container runs, then the other declared TCP ports.
func ports(spec *corev1.PodSpec) []Port {
	var named, engine, other []Port
	for _, c := range spec.Containers {
		for _, e := range Engines {
			if slices.ContainsFunc(e.Images, func(s string) bool { return strings.Contains(strings.ToLower(c.Image), s) }) {
				for _, p := range e.Ports {
					engine = append(engine, Port{Number: p, Path: "/metrics"})
				}
			}
		}
		for _, p := range c.Ports {
			if p.Protocol != "" && p.Protocol != corev1.ProtocolTCP {
				continue
			}
			port := Port{Number: p.ContainerPort, Path: "/metrics"}
			if strings.Contains(p.Name, "metric") {
				named = append(named, port)
			} else {
				other = append(other, port)
			}
		}
	}
	var out []Port
	for _, p := range slices.Concat(named, engine, other) {
		if !slices.Contains(out, p) && len(out) < maxPorts {
			out = append(out, p)
		}
	}
	return out
}
