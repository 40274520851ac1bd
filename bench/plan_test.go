package bench

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

func node(name string, gpus int, handlers ...string) corev1.Node {
	n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	n.Status.Allocatable = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("8"), corev1.ResourceMemory: resource.MustParse("32Gi"), corev1.ResourcePods: resource.MustParse("110")}
	if gpus > 0 {
		n.Status.Allocatable[DefaultGPUResource] = *resource.NewQuantity(int64(gpus), resource.DecimalSI)
		n.Labels = map[string]string{"nvidia.com/cuda.driver-version.full": "580.105.08"} // one nvproxy supports
	}
	for _, h := range append([]string{"", "runc"}, handlers...) {
		n.Status.RuntimeHandlers = append(n.Status.RuntimeHandlers, corev1.NodeRuntimeHandler{Name: h})
	}
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	return n
}

func rc(name, handler string) nodev1.RuntimeClass {
	return nodev1.RuntimeClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Handler: handler}
}

func TestPlanSkipsWhatTheAuditSaysCannotRun(t *testing.T) {
	in := Inputs{
		RuntimeClasses: []nodev1.RuntimeClass{rc("kata-qemu", "kata-qemu"), rc("gvisor", "runsc"), rc("kata-fc", "kata-fc"), rc("nowhere", "nowhere")},
		Nodes:          []corev1.Node{node("cpu", 0, "runsc", "kata-qemu", "kata-fc"), node("gpu", 8, "runsc")},
	}
	for _, tt := range []struct {
		name    string
		req     Request
		want    string // name:isolation:skipped rule, in order
		wantErr string
	}{
		{"default: runc then every class by name", Request{},
			"runc:shared-kernel: gvisor:gvisor: kata-fc:microvm: kata-qemu:vm: nowhere:unknown:TG-SCH-001", ""},
		{"named, in the order given, once each", Request{Classes: []string{"kata-qemu", "runc", "kata-qemu"}}, "kata-qemu:vm: runc:shared-kernel:", ""},
		// A GPU reaches gVisor's sandbox on the GPU node (its driver is one
		// nvproxy takes); plain Kata on QEMU passes none (and no GPU node
		// has it anyway).
		{"with GPUs", Request{Classes: []string{"gvisor", "kata-qemu"}, Pod: PodOptions{GPUs: 1}}, "gvisor:gvisor: kata-qemu:vm:TG-GPU-001", ""},
		{"unknown class", Request{Classes: []string{"kata"}}, "", `no RuntimeClass "kata" in the cluster (it has: gvisor, kata-fc, kata-qemu, nowhere, and runc for the node's default runtime)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			targets, err := Plan(policy.Default(), in, tt.req)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tg := range targets {
				rule := ""
				if tg.Skip != "" {
					rule = strings.SplitN(tg.Skip, ":", 2)[0]
				}
				got = append(got, tg.Name+":"+string(tg.Isolation)+":"+rule)
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("%s\nwant %s", strings.Join(got, " "), tt.want)
			}
		})
	}
}

// The bench pod passes tiergate's own minimum policy set: no finding on
// it but what the plan reads (and the egress policy the bench namespace
// does not need: its pods reach nothing).
func TestBenchPodIsHardened(t *testing.T) {
	p := *policy.Default()
	p.ApplyToAllPods = true
	e, err := audit.NewEngine(&p)
	if err != nil {
		t.Fatal(err)
	}
	pod := Pod(Target{Name: "kata-qemu", Class: "kata-qemu"}, "ns", 3, PodOptions{RunID: "abc123", GPUs: 2})
	inv := &audit.Inventory{Workloads: []audit.Workload{{APIVersion: "v1", Kind: "Pod", Namespace: "ns", Name: pod.Name, Labels: pod.Labels,
		Templates: []audit.PodTemplate{{SpecPath: "spec", Labels: pod.Labels, Spec: &pod.Spec}}}},
		RuntimeClasses: []nodev1.RuntimeClass{rc("kata-qemu", "kata-qemu")}, NetworkPoliciesHidden: true}
	r := e.Audit(inv, audit.Options{}).Workload("Pod", "ns", pod.Name)
	for _, f := range r.Findings {
		if f.Category != audit.CatScheduling && f.Category != audit.CatGPU {
			t.Errorf("%s: %s", f.Rule, f.Message)
		}
	}
	if q := pod.Spec.Containers[0].Resources.Limits[DefaultGPUResource]; q.Value() != 2 {
		t.Errorf("GPU limit %v", q)
	}
}

func TestPodNameStaysALabel(t *testing.T) {
	long := Target{Name: strings.Repeat("kata.qemu-", 20)}
	for _, tg := range []Target{{Name: "runc"}, long} {
		n := PodName(tg, "a1b2c3", 19)
		if len(n) > 63 || strings.Contains(n, ".") || strings.HasSuffix(n, "-") || !strings.HasSuffix(n, "-a1b2c3-19") {
			t.Errorf("%q", n)
		}
	}
}

// Targets whose names differ only where a pod name cannot follow them
// (a dot, past the length a label allows) get pods of different names:
// the watch routes by name.
func TestPodNamesOfTwoTargetsDiffer(t *testing.T) {
	long := strings.Repeat("kata-qemu-nvidia-gpu-", 3)
	for _, pair := range [][2]string{{"kata.qemu", "kata-qemu"}, {long + "snp", long + "tdx"}} {
		a, b := PodName(Target{Name: pair[0]}, "a1b2c3", 3), PodName(Target{Name: pair[1]}, "a1b2c3", 3)
		if a == b {
			t.Errorf("%s and %s: both %q", pair[0], pair[1], a)
		}
		for _, n := range []string{a, b} {
			if len(n) > 63 || strings.Contains(n, "--") || !strings.HasSuffix(n, "-a1b2c3-3") {
				t.Errorf("%q", n)
			}
		}
	}
	if n := PodName(Target{Name: "kata-qemu"}, "a1b2c3", 3); n != "tg-bench-kata-qemu-a1b2c3-3" {
		t.Errorf("a name that fits is kept as it is: %q", n)
	}
}
