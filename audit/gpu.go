package audit

import (
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// IsGPUResource reports whether a resource name is a GPU or another
// accelerator handed out by a device plugin (nvidia.com/gpu, MIG slices,
// gpu.shared, pgpu, amd.com/gpu, Intel, Habana, Neuron, TPU).
func IsGPUResource(name corev1.ResourceName) bool {
	n := string(name)
	switch {
	case strings.HasPrefix(n, "nvidia.com/"):
		return true
	case n == "amd.com/gpu", strings.HasPrefix(n, "gpu.intel.com/"), strings.HasPrefix(n, "habana.ai/"):
		return true
	case strings.HasPrefix(n, "aws.amazon.com/neuron"), n == "google.com/tpu":
		return true
	}
	return strings.HasSuffix(n, "/gpu")
}

// IsMIG reports whether a resource is an NVIDIA MIG slice.
func IsMIG(name string) bool { return strings.HasPrefix(name, "nvidia.com/mig-") }

// MIGSlice reports whether a GPU of a pod is a MIG slice: an extended
// resource named for one, or a DRA device of type mig (or with a MIG
// profile).
func (g GPU) MIGSlice() bool {
	return IsMIG(g.Resource) || g.Claim != nil && (g.Claim.DeviceType == "mig" || g.Claim.MIGProfile != "")
}

// IsNVIDIAWhole reports whether a resource is a whole NVIDIA GPU (not a
// MIG slice and not a time-sliced share).
func IsNVIDIAWhole(name string) bool {
	return strings.HasPrefix(name, "nvidia.com/") && !IsMIG(name) && name != "nvidia.com/gpu.shared"
}

// containerGPUs counts a container's GPU-like resources: its request, or
// its limit where no request is set (extended resources default the
// request to the limit).
func containerGPUs(c *corev1.Container) []GPU {
	var out []GPU
	for name, q := range c.Resources.Requests {
		if IsGPUResource(name) && !q.IsZero() {
			out = append(out, GPU{Resource: string(name), Count: q.Value()})
		}
	}
	for name, q := range c.Resources.Limits {
		if !IsGPUResource(name) || q.IsZero() {
			continue
		}
		if _, ok := c.Resources.Requests[name]; ok {
			continue
		}
		out = append(out, GPU{Resource: string(name), Count: q.Value()})
	}
	if len(out) > 1 {
		sort.Slice(out, func(i, j int) bool { return out[i].Resource < out[j].Resource })
	}
	return out
}

// podGPUs is the pod's effective GPU request, the way the scheduler sums
// it: app containers and restartable (sidecar) init containers add up;
// a regular init container counts alone when it asks for more.
func podGPUs(spec *corev1.PodSpec) []GPU {
	var sum, initMax []GPU
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		for _, g := range containerGPUs(c) {
			if isSidecar(c) {
				sum = addGPU(sum, g, false)
			} else {
				initMax = addGPU(initMax, g, true)
			}
		}
	}
	for i := range spec.Containers {
		for _, g := range containerGPUs(&spec.Containers[i]) {
			sum = addGPU(sum, g, false)
		}
	}
	for _, g := range initMax {
		sum = addGPU(sum, g, true)
	}
	if len(sum) > 1 {
		sort.Slice(sum, func(i, j int) bool { return sum[i].Resource < sum[j].Resource })
	}
	return sum
}

// addGPU adds g to the list, summing its count with an entry of the same
// resource (or keeping the larger, with max).
func addGPU(gs []GPU, g GPU, max bool) []GPU {
	for i := range gs {
		if gs[i].Resource != g.Resource {
			continue
		}
		if !max {
			gs[i].Count += g.Count
		} else if g.Count > gs[i].Count {
			gs[i].Count = g.Count
		}
		return gs
	}
	return append(gs, g)
}

func isSidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// nodeGPUs lists a node's GPU-like resources, capacity and allocatable.
func nodeGPUs(n *corev1.Node) []NodeGPU {
	out := []NodeGPU{}
	for name, q := range n.Status.Capacity {
		if !IsGPUResource(name) {
			continue
		}
		g := NodeGPU{Resource: string(name), Capacity: q.Value()}
		if a, ok := n.Status.Allocatable[name]; ok {
			g.Allocatable = a.Value()
		}
		out = append(out, g)
	}
	for name, q := range n.Status.Allocatable {
		if _, ok := n.Status.Capacity[name]; !ok && IsGPUResource(name) {
			out = append(out, NodeGPU{Resource: string(name), Allocatable: q.Value()})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Resource < out[j].Resource })
	return out
}
