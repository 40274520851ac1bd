package audit_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/testaudit"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/policy"
)

// draReport audits a fixture of DRA objects the way `tiergate audit -f`
// does.
func draReport(t *testing.T, path string) *audit.Report {
	t.Helper()
	_, rep := testaudit.Files(t, path)
	return rep
}

// gpuLine says a pod's GPUs in one comparable line.
func gpuLine(gs []audit.GPU) string {
	var parts []string
	for _, g := range gs {
		s := g.Resource + "×" + itoa(g.Count)
		if c := g.Claim; c != nil {
			s += " " + c.State + " claim=" + c.PodClaim + "/" + c.Name + " tmpl=" + c.Template + " req=" + c.Request + " driver=" + c.Driver + " type=" + c.DeviceType
			if c.MIGProfile != "" {
				s += " mig=" + c.MIGProfile
			}
			if c.Product != "" {
				s += " product=" + c.Product
			}
			if c.DriverVersion != "" {
				s += " version=" + c.DriverVersion
			}
			if c.Node != "" {
				s += " node=" + c.Node
			}
			if len(c.Devices) > 0 {
				s += " devices=" + strings.Join(c.Devices, ",")
			}
			if c.AllDevices {
				s += " all"
			}
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestDRAPodGPUs(t *testing.T) {
	for _, tc := range []struct {
		file, workload, want string
	}{
		// Files: nothing allocated, the template or claim says what is asked.
		{"requested.yaml", "Deployment/vllm-dra", "gpu.nvidia.com×1 requested claim=gpu/ tmpl=single-gpu req=gpu driver=gpu.nvidia.com type=gpu"},
		{"requested.yaml", "Pod/mig-pod", "mig.nvidia.com×2 requested claim=slices/ tmpl=two-mig req=mig driver=gpu.nvidia.com type=mig mig=1g.10gb"},
		{"requested.yaml", "Pod/all-gpus", "gpu.nvidia.com×0 requested claim=gpus/ tmpl=every-gpu req=all driver=gpu.nvidia.com type=gpu all"},
		{"requested.yaml", "Pod/shared", "gpu.nvidia.com×1 requested claim=gpu/shared-gpu tmpl= req=gpu driver=gpu.nvidia.com type=gpu"},
		{"requested.yaml", "Pod/nic-only", ""},
		{"requested.yaml", "Pod/missing-template", ""},
		// A dump: the claim made for the pod holds a device the slices describe.
		{"allocated.yaml", "Pod/vllm-0", "gpu.nvidia.com×1 allocated claim=gpu/vllm-0-gpu-x7k2p tmpl=single-gpu req=gpu driver=gpu.nvidia.com type=gpu product=NVIDIA A100-SXM4-40GB version=570.124.6 node=gpu-a devices=gpu-a/gpu-0"},
		{"allocated.yaml", "Pod/vllm-1", "gpu.nvidia.com×1 requested claim=gpu/ tmpl=single-gpu req=gpu driver=gpu.nvidia.com type=gpu"},
		{"allocated.yaml", "Pod/mig-0", "mig.nvidia.com×2 allocated claim=slices/mig-pair tmpl= req=mig driver=gpu.nvidia.com type=mig mig=1g.10gb product=NVIDIA A100-SXM4-40GB version=570.124.6 node=gpu-a devices=gpu-a/gpu-2-mig-1g10gb-0,gpu-a/gpu-2-mig-1g10gb-1"},
		{"allocated.yaml", "Pod/ext-0", "nvidia.com/gpu×1"},
	} {
		t.Run(tc.file+"/"+tc.workload, func(t *testing.T) {
			rep := draReport(t, "testdata/dra/"+tc.file)
			for _, r := range rep.Workloads {
				if r.Kind+"/"+r.Name == tc.workload {
					if got := gpuLine(r.GPUs); got != tc.want {
						t.Errorf("GPUs\n got  %s\n want %s", got, tc.want)
					}
					return
				}
			}
			t.Fatalf("%s not in the report", tc.workload)
		})
	}
}

// TestDRAGPUIsEvidence: a GPU through a claim strengthens a serving
// signal as an extended resource does; a claim for a NIC does not.
func TestDRAGPUIsEvidence(t *testing.T) {
	rep := draReport(t, "testdata/dra/requested.yaml")
	for name, want := range map[string]bool{"Pod/mig-pod": true, "Deployment/vllm-dra": true, "Pod/nic-only": false} {
		got := false
		for _, r := range rep.Workloads {
			if r.Kind+"/"+r.Name != name {
				continue
			}
			for _, ev := range r.Evidence {
				got = got || ev.Text == "requests GPUs"
			}
		}
		if got != want {
			t.Errorf("%s: GPU evidence %v, want %v", name, got, want)
		}
	}
}

func TestDRANodeGPUs(t *testing.T) {
	rep := draReport(t, "testdata/dra/allocated.yaml")
	got := map[string]string{}
	for _, n := range rep.Nodes {
		var parts []string
		for _, g := range n.GPUs {
			parts = append(parts, g.Resource+" "+itoa(g.Allocated)+"/"+itoa(g.Allocatable)+"/"+itoa(g.Capacity)+map[bool]string{true: " dra"}[g.DRA])
		}
		got[n.Name] = strings.Join(parts, ", ") + " | " + n.GPUProduct
	}
	want := map[string]string{
		// gpu-0 (vllm-0) and gpu-1 (the extended resource's claim) held;
		// the older pool generation's gpu-9 is gone; compute-domain
		// channels are not GPUs.
		"gpu-a": "gpu.nvidia.com/gpu 2/2/2 dra, gpu.nvidia.com/mig 2/2/2 dra | NVIDIA A100-SXM4-40GB",
		"cpu-b": " | ",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("node %s\n got  %s\n want %s", name, got[name], w)
		}
	}
}

func TestDRAOldVersionRefused(t *testing.T) {
	objs, err := manifest.Parse("old.yaml", []byte(`apiVersion: resource.k8s.io/v1beta1
kind: ResourceClaimTemplate
metadata: {name: t, namespace: x}
spec: {spec: {devices: {requests: [{name: gpu, deviceClassName: gpu.nvidia.com}]}}}
`), manifest.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = manifest.Build(objs, manifest.BuildOptions{})
	if err == nil || !strings.Contains(err.Error(), "resource.k8s.io/v1beta1 is not read") || !strings.Contains(err.Error(), "old.yaml:1") {
		t.Fatalf("want a one-line error naming the file and version, got %v", err)
	}
}

// TestDRAv1beta2Read: v1beta2 has v1's shape and is read as v1.
func TestDRAv1beta2Read(t *testing.T) {
	objs, err := manifest.Parse("beta2.yaml", []byte(`apiVersion: resource.k8s.io/v1beta2
kind: ResourceClaimTemplate
metadata: {name: one-gpu, namespace: x}
spec: {spec: {devices: {requests: [{name: gpu, exactly: {deviceClassName: gpu.nvidia.com, count: 2}}]}}}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: x}
spec:
  containers: [{name: c, image: vllm/vllm-openai:v0.11.0}]
  resourceClaims: [{name: gpu, resourceClaimTemplateName: one-gpu}]
`), manifest.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inv, _, err := manifest.Build(objs, manifest.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	rep := e.Audit(inv, audit.Options{})
	if got := gpuLine(rep.Workloads[0].GPUs); got != "gpu.nvidia.com×2 requested claim=gpu/ tmpl=one-gpu req=gpu driver=gpu.nvidia.com type=gpu" {
		t.Errorf("GPUs: %s", got)
	}
}

// TestDRANodeGPUFacts: a node whose GPUs only its DRA driver publishes
// reports the driver version its devices carry (no GPU Feature Discovery
// label says it), and the node without GPUs reports none.
func TestDRANodeGPUFacts(t *testing.T) {
	rep := draReport(t, "testdata/dra/allocated.yaml")
	got := map[string]string{}
	for _, n := range rep.Nodes {
		got[n.Name] = n.GPUDriver
	}
	if got["gpu-a"] != "570.124.6" || got["cpu-b"] != "" {
		t.Errorf("drivers %v, want gpu-a 570.124.6 from its devices and none on cpu-b", got)
	}
}
