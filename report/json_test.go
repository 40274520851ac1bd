package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/metrics"
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
		if err := renderJSON(&got, rep, Options{}); err != nil {
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

// TestMetricsInJSONYAMLAndTable: with figures, each pod's JSON object has
// "metrics" (a pod without any has the reasons), YAML is the same
// document, and the table gains RSS, TOK/S and GPU%.
func TestMetricsInJSONYAMLAndTable(t *testing.T) {
	tok := 512.0
	rep := &audit.Report{Workloads: []audit.Result{
		{Kind: "Pod", Namespace: "llm", Name: "vllm-0", Type: policy.Inference},
		{Kind: "Pod", Namespace: "llm", Name: "web-0", Type: policy.None},
		{Kind: "Deployment", Namespace: "llm", Name: "scaled-to-zero", Type: policy.Inference},
	}}
	opts := Options{Metrics: map[metrics.PodKey]*metrics.Pod{
		{Namespace: "llm", Name: "vllm-0"}: {Engine: "vLLM", TokensPerSecond: &tok, ServingSource: "prometheus", Why: map[string]string{metrics.FigureRSS: metrics.WhyForbidden}},
	}}
	var js bytes.Buffer
	if err := Render(&js, rep, "json", opts); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Workloads []struct {
			Name    string
			Metrics *metrics.Pod
		}
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if m := doc.Workloads[0].Metrics; m == nil || m.TokensPerSecond == nil || *m.TokensPerSecond != 512 || m.Why[metrics.FigureRSS] != metrics.WhyForbidden {
		t.Errorf("vllm-0 metrics: %+v", m)
	}
	if m := doc.Workloads[1].Metrics; m == nil || m.Why[metrics.FigureTokens] != metrics.WhyNoSource {
		t.Errorf("web-0 should say why it has no figures: %+v", m)
	}
	if doc.Workloads[2].Metrics != nil {
		t.Errorf("a Deployment has no live figures: %+v", doc.Workloads[2].Metrics)
	}
	var y bytes.Buffer
	if err := Render(&y, rep, "yaml", opts); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(y.Bytes(), []byte("tokensPerSecond: 512")) {
		t.Errorf("yaml lacks the figures:\n%s", y.String())
	}
	var tb bytes.Buffer
	if err := Render(&tb, rep, "table", opts); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"RSS", "TOK/S", "GPU%", "forbidden", "512"} {
		if !bytes.Contains(tb.Bytes(), []byte(want)) {
			t.Errorf("table lacks %q:\n%s", want, tb.String())
		}
	}
}
