package audit

import (
	"strconv"
	"strings"

	"github.com/tiergate/tiergate/policy"
)

// Does the GPU reach the sandbox? An allocated GPU is not always usable:
// gVisor opens it only on the driver versions its release supports and
// never as a MIG slice; a VM gets only the GPUs its VFIO passthrough
// hands it. The policy's GPU reach table decides (docs/gpu-reach.md).
const (
	RuleGVisorNodeGPU = "TG-GPU-002"
	RuleGPUNotInVM    = "TG-GPU-003"
)

// maxNamedNodes bounds the nodes a finding names.
const maxNamedNodes = 3

func gpuReachRules() []Rule {
	return []Rule{
		{
			ID: RuleGVisorNodeGPU, Name: "gvisor-gpu-driver-unsupported", Category: CatGPU, Severity: policy.High,
			SeverityNote: "high when the pod's node, or every node it can run on, fails it; medium when only some do; low when a node's driver version is unknown",
			Title:        "gVisor cannot open the node's GPUs",
			Rationale:    "gVisor's nvproxy supports an explicit list of NVIDIA driver versions per gVisor release and no MIG slices: on any other driver, or where the single MIG strategy hands out slices as nvidia.com/gpu, the sandbox dies at start.",
			Fix:          "Run the pod on nodes whose driver the gVisor release supports, or upgrade the driver or gVisor so that they match (the finding names the nearest supported versions); list your release's versions in the policy's gvisorDriverVersions.",
			Remedy:       Remedy{Kind: RemedyManual, Manual: "the nodes' NVIDIA driver or MIG layout is at fault, not the workload: change the driver, gVisor or the node pool"},
			check:        checkGVisorNodeGPU,
		},
		{
			ID: RuleGPUNotInVM, Name: "gpu-not-in-vm", Category: CatGPU, Severity: policy.High,
			SeverityNote: "medium for a resource claim under a VM handler other than a GPU class, since the claim may not be a GPU",
			Title:        "The GPU will not be in the VM",
			Rationale:    "Kata's GPU classes pass whole GPUs into the VM by VFIO, asked as nvidia.com/pgpu: a GPU asked as nvidia.com/gpu or a MIG slice is allocated on the host and never reaches the VM, and devices allocated through DRA resource claims are not cold-plugged into the VM today (kata-containers#13322).",
			Fix:          "Ask whole GPUs as the VFIO resource (nvidia.com/pgpu, or add yours to the policy's vfioGPUResources) instead of a claim or nvidia.com/gpu, or use a RuntimeClass that passes the GPU.",
			Remedy:       Remedy{Kind: RemedyRuntimeClass},
			check:        checkGPUNotInVM,
		},
	}
}

// checkGVisorNodeGPU checks the nodes a gVisor GPU pod runs on (or can
// run on) against nvproxy's driver list and their MIG mode.
func checkGVisorNodeGPU(s *subject) {
	s.forTemplates(func(i int, t *PodTemplate) {
		iso := s.isos[i]
		gs := s.allGPUs(i)
		if iso.gpu != policy.GPUNVProxy || !wholeNVIDIA(gs) {
			return // no GPU, or one TG-GPU-001 already rules out
		}
		var nodes []int
		if s.node != nil {
			nodes = []int{s.ix.nodeByName[s.node.node.Name]}
		} else if i < len(s.fits) {
			nodes = s.fits[i]
		}
		var bad, unknown []string
		opens := 0
		for _, ni := range nodes {
			nf := &s.ix.nodes[ni]
			ok, unk, why := s.ix.gvisorOpens(&nf.gpu)
			switch {
			case unk:
				unknown = append(unknown, nf.node.Name)
			case ok:
				opens++
			default:
				bad = append(bad, "node "+nf.node.Name+" "+why)
			}
		}
		head := "requests " + gpuList(gs) + s.where(t) + " under " + orDefault(iso.handler, "(default)") + ": "
		path := s.specPath(t, ".runtimeClassName")
		switch {
		case len(bad) > 0:
			sev, lead := policy.High, ""
			if opens+len(unknown) > 0 {
				sev = policy.Medium
				lead = "of the " + strconv.Itoa(len(nodes)) + " nodes that can run it, "
			}
			s.emit(RuleGVisorNodeGPU, sev, "", path, s.msg(head, lead, names(bad, "; "), ": the sandbox fails at start there"))
		case len(unknown) > 0:
			s.emit(RuleGVisorNodeGPU, policy.Low, "", path, s.msg(head, "the NVIDIA driver version of "+plural(len(unknown), "node ", "nodes "), names(unknown, ", "),
				" is unknown (no "+labelDriverFull+" label from GPU Feature Discovery): cannot tell whether ", s.e.pol.GVisorSource(), "'s nvproxy supports it"))
		}
	})
}

// checkGPUNotInVM finds GPUs a VM's passthrough does not hand it: a
// resource other than the VFIO ones under a GPU class, and any DRA
// resource claim under a VM handler.
func checkGPUNotInVM(s *subject) {
	s.forTemplates(func(i int, t *PodTemplate) {
		iso := s.isos[i]
		handler := orDefault(iso.handler, "(default)")
		if iso.gpu == policy.GPUNVIDIA {
			for _, g := range s.gpus[i] {
				if s.e.pol.PassesVFIO(g.Resource) {
					continue
				}
				why := g.Resource + " is allocated on the host and never reaches the VM"
				if IsMIG(g.Resource) {
					why = "VFIO cannot pass a MIG slice (" + g.Resource + ") into a VM"
				}
				s.emit(RuleGPUNotInVM, "", "", s.specPath(t, ".containers"), s.msg("requests "+strconv.FormatInt(g.Count, 10)+" "+g.Resource+s.where(t),
					" under handler "+handler+": its VFIO passthrough hands the VM only the devices asked as "+strings.Join(s.e.pol.VFIOGPUResources, ", ")+" (the policy's vfioGPUResources)", "; "+why+": the GPU will not be in the VM"))
			}
		}
		if (iso.class != policy.VM && iso.class != policy.MicroVM) || s.e.pol.VMColdPlugsDRA {
			return
		}
		sev, what := policy.Medium, "a GPU it allocates will not be in the VM"
		if iso.gpu == policy.GPUNVIDIA {
			// kata-containers#13322: the VFIO device is missing when the
			// VM boots, and creating the container fails.
			sev, what = policy.High, "the GPU will not be in the VM, and the container fails to start"
		}
		for ci, c := range t.Spec.ResourceClaims {
			s.emit(RuleGPUNotInVM, sev, "", s.specPath(t, ".resourceClaims"+indexStr(ci)), s.msg("resource claim \""+c.Name+"\""+s.where(t)+" under handler "+handler,
				": devices allocated through DRA are not cold-plugged into the VM today (kata-containers#13322): ", what))
		}
	})
}

// wholeNVIDIA: every GPU the template asks is a whole NVIDIA GPU, so
// that only the node can stop gVisor from opening it.
func wholeNVIDIA(gs []GPU) bool {
	for _, g := range gs {
		if !g.nvidiaWhole() {
			return false
		}
	}
	return len(gs) > 0
}

func gpuList(gs []GPU) string {
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = strconv.FormatInt(g.Count, 10) + " " + g.Resource
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// names joins up to maxNamedNodes entries and says how many more.
func names(xs []string, sep string) string {
	if len(xs) <= maxNamedNodes {
		return strings.Join(xs, sep)
	}
	return strings.Join(xs[:maxNamedNodes], sep) + sep + "and " + strconv.Itoa(len(xs)-maxNamedNodes) + " more"
}
