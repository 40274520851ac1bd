package report

import (
	"bufio"
	"encoding/json"
	"io"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/metrics"
)

// JSONStream writes a report as JSON while results arrive, one workload
// at a time, so that a large audit never holds its results twice (or, with
// audit.Engine.Stream, at all). The bytes are those of json.Encoder with
// two-space indentation over the whole report.
type JSONStream struct {
	bw   *bufio.Writer
	enc  *resultEncoder
	n    int
	err  error
	opts Options
}

// withMetrics is a pod's result with its live figures.
type withMetrics struct {
	*audit.Result
	Metrics *metrics.Pod `json:"metrics"`
}

// NewJSONStream starts the document; opts.Metrics adds the pods' figures.
func NewJSONStream(w io.Writer, opts Options) *JSONStream {
	j := &JSONStream{bw: bufio.NewWriterSize(w, 64<<10), enc: newResultEncoder(), opts: opts}
	_, j.err = j.bw.WriteString("{\n  \"workloads\": [")
	return j
}

// Workload writes one result.
func (j *JSONStream) Workload(r *audit.Result) error {
	if j.err != nil {
		return j.err
	}
	var v any = r
	if m, ok := j.opts.metricsOf(r); ok {
		if m == nil {
			m = &metrics.Pod{Why: map[string]string{metrics.FigureRSS: metrics.WhyNoSource, metrics.FigureTokens: metrics.WhyNoSource, metrics.FigureGPU: metrics.WhyNoSource}}
		}
		v = withMetrics{r, m}
	}
	b, err := j.enc.indent(v, "    ", "  ")
	if err != nil {
		j.err = err
		return err
	}
	if j.n > 0 {
		j.bw.WriteByte(',')
	}
	j.n++
	j.bw.WriteString("\n    ")
	_, j.err = j.bw.Write(b)
	return j.err
}

// Close writes the nodes, the summary and what was not visible, and
// flushes.
func (j *JSONStream) Close(rep *audit.Report) error {
	if j.err != nil {
		return j.err
	}
	if j.n > 0 {
		j.bw.WriteString("\n  ")
	}
	j.bw.WriteString("]")
	for _, f := range []struct {
		key  string
		v    any
		omit bool
	}{
		{"nodes", rep.Nodes, len(rep.Nodes) == 0},
		{"summary", rep.Summary, false},
		{"baseline", rep.Baseline, rep.Baseline == nil},
		{"clusters", rep.Clusters, len(rep.Clusters) == 0},
		{"notVisible", rep.NotVisible, len(rep.NotVisible) == 0},
		{"empty", j.opts.Empty, j.opts.Empty == ""},
	} {
		if f.omit {
			continue
		}
		b, err := json.MarshalIndent(f.v, "  ", "  ")
		if err != nil {
			return err
		}
		j.bw.WriteString(",\n  \"" + f.key + "\": ")
		j.bw.Write(b)
	}
	j.bw.WriteString("\n}\n")
	return j.bw.Flush()
}

// renderJSON writes a whole report.
func renderJSON(w io.Writer, rep *audit.Report, opts Options) error {
	j := NewJSONStream(w, opts)
	for i := range rep.Workloads {
		if err := j.Workload(&rep.Workloads[i]); err != nil {
			return err
		}
	}
	return j.Close(rep)
}
