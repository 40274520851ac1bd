package audit_test

import (
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

func gpuNode(name string, labels map[string]string, gpus map[string]string, handlers ...string) corev1.Node {
	n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	n.Status.Capacity, n.Status.Allocatable = corev1.ResourceList{}, corev1.ResourceList{}
	for r, q := range gpus {
		n.Status.Capacity[corev1.ResourceName(r)] = resource.MustParse(q)
		n.Status.Allocatable[corev1.ResourceName(r)] = resource.MustParse(q)
	}
	for _, h := range handlers {
		n.Status.RuntimeHandlers = append(n.Status.RuntimeHandlers, corev1.NodeRuntimeHandler{Name: h})
	}
	return n
}

// TestNodeGPUReach: the nodes report says per node the driver, the MIG
// mode and which isolation classes can run a GPU pod there.
func TestNodeGPUReach(t *testing.T) {
	l4 := func(extra map[string]string) map[string]string {
		l := map[string]string{"nvidia.com/gpu.product": "NVIDIA-L4"}
		for k, v := range extra {
			l[k] = v
		}
		return l
	}
	for _, tc := range []struct {
		name        string
		node        corev1.Node
		driver, mig string
		classes     []string
	}{
		{"supported driver", gpuNode("a", l4(map[string]string{"nvidia.com/cuda.driver-version.full": "580.105.08"}), map[string]string{"nvidia.com/gpu": "4"}, "runc", "runsc", "kata-fc"),
			"580.105.08", "", []string{"shared-kernel", "gvisor"}},
		{"unsupported driver", gpuNode("b", l4(map[string]string{"nvidia.com/cuda.driver-version.full": "580.82.07"}), map[string]string{"nvidia.com/gpu": "4"}, "runc", "runsc"),
			"580.82.07", "", []string{"shared-kernel"}},
		{"unknown driver", gpuNode("c", l4(nil), map[string]string{"nvidia.com/gpu": "4"}, "runsc"),
			"", "", []string{"gvisor?"}},
		{"driver from parts", gpuNode("d", l4(map[string]string{"nvidia.com/cuda.driver-version.major": "570", "nvidia.com/cuda.driver-version.minor": "195", "nvidia.com/cuda.driver-version.revision": "03"}), map[string]string{"nvidia.com/gpu": "4"}, "runsc"),
			"570.195.03", "", []string{"gvisor"}},
		{"kata GPU class with VFIO GPUs", gpuNode("e", map[string]string{"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3"}, map[string]string{"nvidia.com/pgpu": "8"}, "runc", "kata-qemu-nvidia-gpu"),
			"", "", []string{"vm"}}, // runc cannot use VFIO-bound GPUs
		{"kata GPU class without VFIO GPUs", gpuNode("f", map[string]string{"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3"}, map[string]string{"nvidia.com/gpu": "8"}, "kata-qemu-nvidia-gpu"),
			"", "", nil},
		{"MIG mixed, every GPU sliced", gpuNode("g", map[string]string{"nvidia.com/mig.strategy": "mixed", "nvidia.com/cuda.driver-version.full": "580.105.08"}, map[string]string{"nvidia.com/mig-1g.10gb": "7"}, "runc", "runsc"),
			"580.105.08", audit.MIGMixed, []string{"shared-kernel"}},
		{"MIG mixed, whole GPUs left", gpuNode("g2", map[string]string{"nvidia.com/cuda.driver-version.full": "580.105.08"}, map[string]string{"nvidia.com/mig-1g.10gb": "7", "nvidia.com/gpu": "6"}, "runc", "runsc"),
			"580.105.08", audit.MIGMixed, []string{"shared-kernel", "gvisor"}},
		{"MIG single shuts gVisor out", gpuNode("h", map[string]string{"nvidia.com/gpu.product": "NVIDIA-A100-SXM4-40GB-MIG-1g.5gb", "nvidia.com/mig.strategy": "single", "nvidia.com/cuda.driver-version.full": "580.105.08"}, map[string]string{"nvidia.com/gpu": "7"}, "runc", "runsc"),
			"580.105.08", audit.MIGSingle, []string{"shared-kernel"}},
		{"MIG capable, off", gpuNode("i", map[string]string{"nvidia.com/mig.capable": "true", "nvidia.com/cuda.driver-version.full": "580.105.08"}, map[string]string{"nvidia.com/gpu": "1"}, "runsc"),
			"580.105.08", audit.MIGOff, []string{"gvisor"}},
		{"no GPUs", gpuNode("j", nil, nil, "runc", "runsc"), "", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := audit.NewEngine(policy.Default())
			if err != nil {
				t.Fatal(err)
			}
			rep := e.Audit(&audit.Inventory{Nodes: []corev1.Node{tc.node}}, audit.Options{Now: time.Now()})
			if len(rep.Nodes) != 1 {
				t.Fatalf("got %d nodes", len(rep.Nodes))
			}
			n := rep.Nodes[0]
			if n.GPUDriver != tc.driver || n.MIGMode != tc.mig || !slices.Equal(n.GPUIsolation, tc.classes) {
				t.Errorf("got driver %q mig %q classes %v, want %q %q %v", n.GPUDriver, n.MIGMode, n.GPUIsolation, tc.driver, tc.mig, tc.classes)
			}
		})
	}
}

// TestPolicyMarksVMGPUCapable: a microVM gets no GPU unless the policy
// marks its handler capable; then the GPU must be asked the VFIO way, and
// a DRA claim counts only when the policy says VMs cold-plug them.
func TestPolicyMarksVMGPUCapable(t *testing.T) {
	coder := func(res string, claim bool) *audit.Inventory {
		c := ctr("ghcr.io/acme/code-interpreter:1.4")
		w := pod("Deployment", "coder", nil, c)
		spec := w.Templates[0].Spec
		spec.RuntimeClassName = ptr.To("kata-fc")
		if res != "" {
			spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceName(res): resource.MustParse("1")}
		}
		if claim {
			spec.ResourceClaims = []corev1.PodResourceClaim{{Name: "gpu", ResourceClaimTemplateName: ptr.To("single-gpu")}}
		}
		return &audit.Inventory{Workloads: []audit.Workload{w}}
	}
	capable := policy.Default()
	capable.Handlers = append([]policy.HandlerRule{{Match: "kata-fc*", Isolation: policy.MicroVM, GPU: policy.GPUNVIDIA}}, capable.Handlers...)
	coldPlug := policy.Default()
	coldPlug.VMColdPlugsDRA = true
	for _, tc := range []struct {
		name      string
		pol       *policy.Policy
		inv       *audit.Inventory
		want, not []string
	}{
		{"default: a microVM has no GPU", policy.Default(), coder("nvidia.com/pgpu", false), []string{audit.RuleGPURuntime}, []string{audit.RuleGPUNotInVM}},
		{"marked capable, asked the VFIO way", capable, coder("nvidia.com/pgpu", false), nil, []string{audit.RuleGPURuntime, audit.RuleGPUNotInVM}},
		{"marked capable, asked as nvidia.com/gpu", capable, coder("nvidia.com/gpu", false), []string{audit.RuleGPUNotInVM}, []string{audit.RuleGPURuntime}},
		{"a DRA claim in a microVM", policy.Default(), coder("", true), []string{audit.RuleGPUNotInVM}, nil},
		{"VMs that cold-plug DRA devices", coldPlug, coder("", true), nil, []string{audit.RuleGPUNotInVM}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ruleIDs(classifyOne(t, tc.pol, tc.inv))
			for _, id := range tc.want {
				if !got[id] {
					t.Errorf("want %s, got %v", id, got)
				}
			}
			for _, id := range tc.not {
				if got[id] {
					t.Errorf("did not want %s, got %v", id, got)
				}
			}
		})
	}
}
