package report

import (
	"bufio"
	"encoding/json"
	"io"

	"github.com/tiergate/tiergate/audit"
)

// renderJSON streams the report: one workload at a time, so that 100,000
// results never sit in memory twice. The bytes are those of
// json.Encoder with two-space indentation over the whole report.
func renderJSON(w io.Writer, rep *audit.Report) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString("{\n  \"workloads\": ["); err != nil {
		return err
	}
	for i := range rep.Workloads {
		b, err := json.MarshalIndent(&rep.Workloads[i], "    ", "  ")
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n    ")
		bw.Write(b)
	}
	if len(rep.Workloads) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]")
	rest := []struct {
		key  string
		v    any
		omit bool
	}{
		{"nodes", rep.Nodes, len(rep.Nodes) == 0},
		{"summary", rep.Summary, false},
		{"notVisible", rep.NotVisible, len(rep.NotVisible) == 0},
	}
	for _, f := range rest {
		if f.omit {
			continue
		}
		b, err := json.MarshalIndent(f.v, "  ", "  ")
		if err != nil {
			return err
		}
		bw.WriteString(",\n  \"" + f.key + "\": ")
		bw.Write(b)
	}
	if _, err := bw.WriteString("\n}\n"); err != nil {
		return err
	}
	return bw.Flush()
}
