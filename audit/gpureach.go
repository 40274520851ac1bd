package audit

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/tiergate/tiergate/policy"
)

// nodeGPUFacts is what decides whether a GPU reaches a sandbox on a node:
// its NVIDIA driver and its MIG mode, read from GPU Feature Discovery's
// labels.
type nodeGPUFacts struct {
	// driver is the driver version as labelled, "" when no label says.
	driver string
	// version is driver parsed; parsed is false when it does not parse.
	version policy.DriverVersion
	parsed  bool
	// mig is the MIG mode: MIGMixed, MIGSingle, MIGOff or "" (not known
	// to be MIG-capable).
	mig string
	// has: the node has GPUs (a product label, a driver label, a GPU
	// resource or a DRA GPU device).
	has bool
	// draWhole and draVFIO: its DRA driver publishes whole GPUs for
	// containers, or VFIO-bound ones for VMs.
	draWhole, draVFIO bool
}

// MIG modes as the nodes view and NodeReport show them.
const (
	// MIGMixed: slices are their own resources (nvidia.com/mig-*).
	MIGMixed = "mixed"
	// MIGSingle: slices are handed out as nvidia.com/gpu, so a pod
	// asking a whole GPU gets a slice.
	MIGSingle = "single"
	// MIGOff: the GPUs can be sliced but are not.
	MIGOff = "off"
)

// GPU Feature Discovery's driver labels: the full version, else its parts
// (GFD v0.15 and later name them driver-version.*, older ones driver.*).
const labelDriverFull = "nvidia.com/cuda.driver-version.full"

var driverPartLabels = [][3]string{
	{"nvidia.com/cuda.driver-version.major", "nvidia.com/cuda.driver-version.minor", "nvidia.com/cuda.driver-version.revision"},
	{"nvidia.com/cuda.driver.major", "nvidia.com/cuda.driver.minor", "nvidia.com/cuda.driver.rev"},
}

func readNodeGPU(n *corev1.Node, product string) nodeGPUFacts {
	f := nodeGPUFacts{driver: driverLabel(n.Labels), mig: migMode(n, product)}
	if f.driver != "" {
		f.version, f.parsed = parseDriver(f.driver)
	}
	f.has = product != "" || f.driver != "" || f.mig != ""
	for name, q := range n.Status.Capacity {
		if IsGPUResource(name) && !q.IsZero() {
			f.has = true
		}
	}
	return f
}

func parseDriver(s string) (policy.DriverVersion, bool) {
	v, err := policy.ParseDriverVersion(s)
	return v, err == nil
}

func driverLabel(l map[string]string) string {
	if v := l[labelDriverFull]; v != "" {
		return v
	}
	for _, parts := range driverPartLabels {
		if l[parts[0]] != "" && l[parts[1]] != "" {
			v := l[parts[0]] + "." + l[parts[1]]
			if r := l[parts[2]]; r != "" {
				v += "." + r
			}
			return v
		}
	}
	return ""
}

// migMode reads the MIG mode: slices as resources of their own are the
// mixed strategy; the single strategy shows in GFD's strategy label and
// in a product name with "-MIG-" (NVIDIA-A100-SXM4-40GB-MIG-1g.5gb).
func migMode(n *corev1.Node, product string) string {
	for name, q := range n.Status.Capacity {
		if IsMIG(string(name)) && !q.IsZero() {
			return MIGMixed
		}
	}
	l := n.Labels
	if l["nvidia.com/mig.strategy"] == "single" && (strings.Contains(product, "-MIG-") || migConfigured(l["nvidia.com/mig.config"])) {
		return MIGSingle
	}
	if l["nvidia.com/mig.capable"] == "true" || l["nvidia.com/mig.strategy"] != "" {
		return MIGOff
	}
	return ""
}

// migConfigured: the MIG manager's config label names a layout that
// slices the GPUs.
func migConfigured(config string) bool {
	return config != "" && config != "all-disabled"
}

// gvisorOpens says whether gVisor's nvproxy can open a node's GPUs, and
// why not: ok, or unknown (no driver version to judge by), or a reason.
func (ix *index) gvisorOpens(f *nodeGPUFacts) (ok, unknown bool, why string) {
	if f.mig == MIGSingle {
		return false, false, "hands out MIG slices as nvidia.com/gpu (MIG strategy single), which gVisor's nvproxy cannot use"
	}
	if !f.parsed {
		return false, true, ""
	}
	supported, nearest, checked := ix.pol.GVisorDriver(f.version)
	if !checked || supported {
		return true, false, ""
	}
	why = "has NVIDIA driver " + f.driver + ", which " + ix.pol.GVisorSource() + "'s nvproxy does not support"
	if len(nearest) > 0 {
		why += " (nearest supported: " + strings.Join(nearest, ", ") + ")"
	}
	return false, false, why
}

// gpuIsolation lists the isolation classes that can run a GPU pod on a
// node, by the handlers it reports and the policy's handler table; a
// class the node's facts leave open ends in "?". Nil when the node has no
// GPUs or reports no handlers.
func (ix *index) gpuIsolation(nf *nodeFacts) []string {
	if !nf.gpu.has || len(nf.handlers) == 0 {
		return nil
	}
	// The node's GPUs as its device plugins hand them out: VFIO-bound
	// ones only a VM can use, the others only the host's containers.
	var vfio, host, whole bool
	for name, q := range nf.node.Status.Allocatable {
		r := string(name)
		switch {
		case q.IsZero() || !IsGPUResource(name):
		case ix.pol.PassesVFIO(r):
			vfio = true
		default:
			host = true
			whole = whole || IsNVIDIAWhole(r)
		}
	}
	host, whole, vfio = host || nf.gpu.draWhole, whole || nf.gpu.draWhole, vfio || nf.gpu.draVFIO
	best := map[policy.Isolation]string{} // class → "" (yes) or "?"
	for h := range nf.handlers {
		rule, ok := ix.pol.Handler(h)
		if !ok {
			continue
		}
		mark, can := "", false
		switch rule.GPU {
		case policy.GPUAll:
			can = host
		case policy.GPUNVIDIA:
			can = vfio
		case policy.GPUNVProxy:
			ok, unknown, _ := ix.gvisorOpens(&nf.gpu)
			can = whole && (ok || unknown)
			if unknown {
				mark = "?"
			}
		}
		if m, seen := best[rule.Isolation]; can && (!seen || m == "?") {
			best[rule.Isolation] = mark
		}
	}
	var out []string
	for _, c := range []policy.Isolation{policy.SharedKernel, policy.GVisor, policy.VM, policy.MicroVM} {
		if m, ok := best[c]; ok {
			out = append(out, string(c)+m)
		}
	}
	return out
}

// describeNodeGPU fills a node report's GPU reach columns.
func (ix *index) describeNodeGPU(nf *nodeFacts, r *NodeReport) {
	r.GPUDriver = nf.gpu.driver
	r.MIGMode = nf.gpu.mig
	r.GPUIsolation = ix.gpuIsolation(nf)
}
