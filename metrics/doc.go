// Package metrics reads the live figures tiergate shows next to a pod's
// isolation verdict: resident memory (kubelet Summary API, cAdvisor, or
// metrics.k8s.io's working set), tokens per second and serving state of
// the LLM engine (Prometheus, or the pod's own metrics port scraped twice
// through the API server), and GPU use (DCGM exporter). Every source is
// optional and detected; a figure with no value carries the reason.
//
// Expositions are parsed with github.com/prometheus/common/expfmt. The
// pure parts (engines, parse, reading, rate) do no I/O; the sources take
// small interfaces that the client-go implementations in kube.go satisfy.
package metrics
