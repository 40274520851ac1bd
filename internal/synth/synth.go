// Package synth builds synthetic live-mode inventories for benchmarks
// and tests: many pods, as informers would hand them over.
package synth

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/audit"
)

// Cluster builds a live-mode inventory of n pods bound to 200
// nodes, drawn from ten realistic shapes (compliant and not), each pod a
// distinct object as an informer would hand it over.
func Cluster(n int, bare bool) *audit.Inventory {
	inv := &audit.Inventory{RuntimeClassesComplete: true}
	for _, rc := range []struct{ name, handler string }{{"gvisor", "runsc"}, {"gvisor-nvproxy", "runsc-nvproxy"}, {"kata-qemu", "kata-qemu"}, {"kata-fc", "kata-fc"}, {"kata-qemu-nvidia-gpu", "kata-qemu-nvidia-gpu"}} {
		inv.RuntimeClasses = append(inv.RuntimeClasses, nodev1.RuntimeClass{ObjectMeta: metav1.ObjectMeta{Name: rc.name}, Handler: rc.handler})
	}
	for i := 0; i < 200; i++ {
		inv.Nodes = append(inv.Nodes, corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("node-%03d", i), Labels: map[string]string{"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3"}},
			Status: corev1.NodeStatus{
				Capacity:        corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("8")},
				Allocatable:     corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("8")},
				NodeInfo:        corev1.NodeSystemInfo{KernelVersion: "6.8.0-1015-gcp", ContainerRuntimeVersion: "containerd://2.1.0"},
				RuntimeHandlers: []corev1.NodeRuntimeHandler{{Name: ""}, {Name: "runsc"}, {Name: "kata-qemu"}, {Name: "kata-fc"}},
			},
		})
	}
	for ns := 0; ns < 50; ns++ {
		name := fmt.Sprintf("team-%02d", ns)
		inv.NetworkPolicies = append(inv.NetworkPolicies, networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "egress", Namespace: name},
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"egress": "restricted"}},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
				Egress:      []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{{Port: ptr.To(intstr.FromInt32(53))}}}},
			},
		})
		inv.ServiceAccounts = append(inv.ServiceAccounts, corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "llm", Namespace: name}, AutomountServiceAccountToken: ptr.To(false)})
	}
	hardened := &corev1.SecurityContext{
		RunAsNonRoot: ptr.To(true), AllowPrivilegeEscalation: ptr.To(false), ReadOnlyRootFilesystem: ptr.To(true),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		Capabilities:   &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
	gpu := corev1.ResourceRequirements{Limits: corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("1")}}
	shapes := []corev1.PodSpec{
		{RuntimeClassName: ptr.To("gvisor-nvproxy"), ServiceAccountName: "llm", Containers: []corev1.Container{{Name: "vllm", Image: "vllm/vllm-openai:v0.9.2", Args: []string{"--model", "Qwen/Qwen3-8B"}, SecurityContext: hardened, Resources: gpu, Ports: []corev1.ContainerPort{{ContainerPort: 8000}}}}},
		{Containers: []corev1.Container{{Name: "tgi", Image: "ghcr.io/huggingface/text-generation-inference:3.3.4", Env: []corev1.EnvVar{{Name: "HF_TOKEN"}, {Name: "NUM_SHARD"}}, Resources: gpu}}},
		{RuntimeClassName: ptr.To("gvisor"), Containers: []corev1.Container{{Name: "qdrant", Image: "qdrant/qdrant:v1.14.1", SecurityContext: hardened}}},
		{Containers: []corev1.Container{{Name: "rag", Image: "acme/rag-worker:2", Env: []corev1.EnvVar{{Name: "QDRANT_URL"}, {Name: "OPENAI_API_KEY"}}}}},
		{RuntimeClassName: ptr.To("kata-qemu"), ServiceAccountName: "llm", Containers: []corev1.Container{{Name: "agent", Image: "acme/support-agent:5", Env: []corev1.EnvVar{{Name: "ANTHROPIC_API_KEY"}}, SecurityContext: hardened}}},
		{Containers: []corev1.Container{{Name: "agent", Image: "acme/triage-agent:1", Env: []corev1.EnvVar{{Name: "OPENAI_API_KEY"}, {Name: "LLM_MODEL"}}}, {Name: "otel", Image: "otel/opentelemetry-collector:0.120.0"}}},
		{RuntimeClassName: ptr.To("kata-fc"), ServiceAccountName: "llm", Containers: []corev1.Container{{Name: "runner", Image: "ghcr.io/acme/code-interpreter:1.2", SecurityContext: hardened}}},
		{RuntimeClassName: ptr.To("gvisor"), Containers: []corev1.Container{{Name: "runner", Image: "ghcr.io/acme/code-interpreter:1.2"}}, Volumes: []corev1.Volume{{Name: "sock", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/run/docker.sock"}}}}},
		{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}},
		{Containers: []corev1.Container{{Name: "agent", Image: "datadog/agent:7.60.0"}}},
	}
	inv.Workloads = make([]audit.Workload, n)
	for i := range inv.Workloads {
		shape := shapes[(i%5000)%len(shapes)].DeepCopy()
		// 5,000 ReplicaSets of 20 replicas each, 50 namespaces.
		owner := i % 5000
		lbls := map[string]string{"app": fmt.Sprintf("app-%d", owner), "pod-template-hash": fmt.Sprintf("%x", 0x7d9f8c6b5+owner)}
		if owner%3 == 0 {
			lbls["egress"] = "restricted"
		}
		rs := fmt.Sprintf("app-%d-%s", owner, lbls["pod-template-hash"])
		inv.Workloads[i] = audit.Workload{
			Kind: "Pod", APIVersion: "v1", Namespace: fmt.Sprintf("team-%02d", owner%50), Name: fmt.Sprintf("%s-%05d", rs, i),
			UID: fmt.Sprintf("uid-%d", i), Labels: lbls, Owner: &audit.Owner{Kind: "ReplicaSet", Name: rs},
			NodeName:  fmt.Sprintf("node-%03d", i%200),
			Templates: []audit.PodTemplate{{SpecPath: "spec", Labels: lbls, Spec: shape}},
			Status:    podStatus(i, len(shape.Containers)),
		}
		w := &inv.Workloads[i]
		w.Phase = w.Status.Phase
		if w.Status.Phase == "Pending" {
			w.NodeName = ""
		}
		if bare { // no controller: every pod is classified on its own
			w := &inv.Workloads[i]
			w.Owner = nil
			delete(lbls, "pod-template-hash")
		}
	}
	return inv
}

// podStatus gives most pods a running, ready status, and a few the
// troubles a real cluster has: one in 17 left unscheduled, one in 13 in a
// crash loop.
func podStatus(i, containers int) *audit.Status {
	switch {
	case i%17 == 5:
		return &audit.Status{Phase: "Pending", Status: "Pending", Reason: "Unschedulable", Containers: containers,
			Message: "0/200 nodes are available: 200 Insufficient nvidia.com/gpu."}
	case i%13 == 7:
		return &audit.Status{Phase: "Running", Status: "CrashLoopBackOff", Containers: containers, Ready: containers - 1, Restarts: 12,
			Message: "back-off 5m0s restarting failed container"}
	}
	return &audit.Status{Phase: "Running", Status: "Running", Containers: containers, Ready: containers}
}
