package audit

import (
	"strconv"

	"github.com/tiergate/tiergate/policy"
)

// GPUs under sandboxed runtimes.
const (
	RuleGPURuntime = "TG-GPU-001"
)

func gpuRules() []Rule {
	return append([]Rule{
		{
			ID: RuleGPURuntime, Name: "gpu-runtime-incompatible", Category: CatGPU, Severity: policy.High,
			Title:     "GPU requested under a runtime that cannot pass it through",
			Rationale: "gVisor passes only whole NVIDIA GPUs of supported models through nvproxy, Kata only in its *-nvidia-gpu* classes, Firecracker and the other microVMs not at all unless the policy marks the handler GPU-capable: the pod stays Pending or starts without its GPU.",
			Fix:       "Use a GPU-capable RuntimeClass of the required isolation (e.g. kata-qemu-nvidia-gpu) or mark the handler GPU-capable in the policy.",
			Remedy:    Remedy{Kind: RemedyRuntimeClass},
			check:     checkGPURuntime,
		},
	}, gpuReachRules()...)
}

func checkGPURuntime(s *subject) {
	s.forTemplates(func(i int, t *PodTemplate) {
		iso := s.isos[i]
		gs := s.allGPUs(i)
		if len(gs) == 0 || iso.class == policy.Unknown || iso.gpu == policy.GPUAll {
			return
		}
		for _, g := range gs {
			if why := s.gpuBlocked(i, iso, g); why != "" {
				s.emit(RuleGPURuntime, "", "", s.specPath(t, ".runtimeClassName"),
					s.msg("requests ", strconv.FormatInt(g.Count, 10), " ", g.Resource, s.where(t), " under handler ", orDefault(iso.handler, "(default)"), ": "+why))
			}
		}
	})
}

// gpuBlocked says why a handler cannot give the pod a GPU, or "".
func (s *subject) gpuBlocked(ti int, iso templateIso, g GPU) string {
	switch iso.gpu {
	case policy.GPUNone:
		return string(iso.class) + withParen(iso.note) + " cannot pass GPUs through unless the policy marks the handler GPU-capable"
	case policy.GPUNVIDIA:
		return "" // which resources reach the VM is TG-GPU-003's
	case policy.GPUNVProxy:
		switch {
		case g.MIGSlice():
			return "gVisor's nvproxy cannot use MIG slices (no /dev/nvidia-caps)"
		case !g.nvidiaWhole():
			return "gVisor passes only whole NVIDIA GPUs, through nvproxy"
		}
		products := s.gpuProducts(ti)
		if len(products) == 0 {
			return ""
		}
		for _, p := range products {
			if s.e.pol.GVisorSupportsProduct(p) {
				return ""
			}
		}
		return "gVisor's nvproxy does not support GPU model " + products[0]
	}
	return ""
}

// gpuProducts lists the GPU models of the node a pod runs on, or of the
// nodes its template could run on.
func (s *subject) gpuProducts(ti int) []string {
	var out []string
	if s.node != nil {
		if s.node.product != "" {
			out = append(out, s.node.product)
		}
		return out
	}
	if ti < len(s.fits) {
		for _, ni := range s.fits[ti] {
			if p := s.ix.nodes[ni].product; p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// allGPUs are a template's GPUs, by extended resources and through its
// resource claims (DRA).
func (s *subject) allGPUs(i int) []GPU {
	if i >= len(s.draGPUs) || len(s.draGPUs[i]) == 0 {
		return s.gpus[i]
	}
	return append(append([]GPU(nil), s.gpus[i]...), s.draGPUs[i]...)
}

// nvidiaWhole says a GPU is a whole NVIDIA GPU: the extended resource, or
// a device of NVIDIA's DRA driver that is no MIG slice or VFIO device.
func (g GPU) nvidiaWhole() bool {
	if g.Claim != nil {
		return g.Claim.Driver == "gpu.nvidia.com" && !g.MIGSlice() && (g.Claim.DeviceType == "" || g.Claim.DeviceType == "gpu")
	}
	return IsNVIDIAWhole(g.Resource) && !IsMIG(g.Resource)
}
