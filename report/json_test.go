package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

// TestStreamedJSONMatchesEncoder: the streamed bytes are exactly what
// json.Encoder prints for the whole report.
func TestStreamedJSONMatchesEncoder(t *testing.T) {
	for _, rep := range []*audit.Report{
		{Workloads: []audit.Result{}},
		{
			Workloads:  []audit.Result{{Kind: "Pod", Name: "a", Type: policy.Agent, Findings: []audit.Finding{{Rule: "TG-ISO-001", Message: "x <y> & \"z\""}}}, {Kind: "Pod", Name: "b"}},
			Nodes:      []audit.NodeReport{{NodeRef: audit.NodeRef{Name: "n1"}, GPUs: []audit.NodeGPU{}}},
			NotVisible: []string{"nodes: forbidden"},
		},
	} {
		var got, want bytes.Buffer
		if err := renderJSON(&got, rep); err != nil {
			t.Fatal(err)
		}
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("streamed JSON differs:\n got: %s\nwant: %s", got.String(), want.String())
		}
	}
}
