package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tiergate/tiergate/internal/testaudit"
)

// TestDRAGPUsInTableWideAndJSON: a pod's GPUs through claims show in the
// GPU column next to extended resources, -o wide adds whether they are
// allocated and what the device is, and JSON carries the claim.
func TestDRAGPUsInTableWideAndJSON(t *testing.T) {
	_, rep := testaudit.Files(t, "../audit/testdata/dra/allocated.yaml")
	row := func(format, pod string) string {
		t.Helper()
		var b bytes.Buffer
		if err := Render(&b, rep, format, Options{}); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(b.String(), "\n") {
			if strings.Contains(l, "Pod/"+pod+" ") {
				return l
			}
		}
		t.Fatalf("no row for %s in:\n%s", pod, b.String())
		return ""
	}
	for _, tc := range []struct{ format, pod, want string }{
		{"table", "vllm-0", " 1×dra:gpu.nvidia.com "},
		{"table", "ext-0", " 1×nvidia.com/gpu "},
		{"table", "vllm-1", " 1×dra:gpu.nvidia.com "},
		{"wide", "vllm-0", " 1×dra:gpu.nvidia.com (allocated NVIDIA A100-SXM4-40GB) "},
		{"wide", "mig-0", " 2×dra:mig.nvidia.com (allocated NVIDIA A100-SXM4-40GB mig 1g.10gb) "},
		{"wide", "vllm-1", " 1×dra:gpu.nvidia.com (requested) "},
	} {
		if got := row(tc.format, tc.pod); !strings.Contains(got, tc.want) {
			t.Errorf("%s %s: row lacks %q:\n%s", tc.format, tc.pod, tc.want, got)
		}
	}

	var js bytes.Buffer
	if err := Render(&js, rep, "json", Options{}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Workloads []struct {
			Name string
			GPUs []struct {
				Resource string
				Count    int64
				Claim    *struct{ State, Driver, MIGProfile, Product string }
			}
		}
		Nodes []struct {
			Name string
			GPUs []struct {
				Resource            string
				Allocated, Capacity int64
				DRA                 bool
			}
		}
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, w := range doc.Workloads {
		if w.Name == "mig-0" && (len(w.GPUs) != 1 || w.GPUs[0].Claim == nil || w.GPUs[0].Claim.MIGProfile != "1g.10gb" || w.GPUs[0].Claim.State != "allocated") {
			t.Errorf("mig-0 in JSON: %+v", w.GPUs)
		}
	}
	if !strings.Contains(js.String(), `"migProfile": "1g.10gb"`) || !strings.Contains(js.String(), `"dra": true`) {
		t.Errorf("JSON lacks the claim's MIG profile or the node's DRA devices")
	}
}
