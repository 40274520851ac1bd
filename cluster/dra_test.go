package cluster

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

// TestStripDRAKeepsWhatTheAuditReads: the transform drops drivers'
// opaque configuration, device capacities and managed fields, and what
// is left still resolves a pod's claim to its GPU and the node's count.
func TestStripDRAKeepsWhatTheAuditReads(t *testing.T) {
	str := func(s string) resourcev1.DeviceAttribute { return resourcev1.DeviceAttribute{StringValue: &s} }
	claim := &resourcev1.ResourceClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "p-gpu-abc", Namespace: "llm", ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kube-controller-manager"}},
			Annotations:     map[string]string{resourcev1.PodResourceClaimAnnotation: "gpu"},
			OwnerReferences: []metav1.OwnerReference{{Kind: "Pod", Name: "p", UID: "pod-uid", Controller: ptr.To(true)}}},
		Spec: resourcev1.ResourceClaimSpec{Devices: resourcev1.DeviceClaim{
			Requests: []resourcev1.DeviceRequest{{Name: "gpu", Exactly: &resourcev1.ExactDeviceRequest{DeviceClassName: "gpu.nvidia.com"}}},
			Config:   []resourcev1.DeviceClaimConfiguration{{DeviceConfiguration: resourcev1.DeviceConfiguration{Opaque: &resourcev1.OpaqueDeviceConfiguration{Driver: "gpu.nvidia.com", Parameters: runtime.RawExtension{Raw: []byte(`{"sharing":{}}`)}}}}},
		}},
		Status: resourcev1.ResourceClaimStatus{
			Allocation:  &resourcev1.AllocationResult{Devices: resourcev1.DeviceAllocationResult{Results: []resourcev1.DeviceRequestAllocationResult{{Request: "gpu", Driver: "gpu.nvidia.com", Pool: "n1", Device: "gpu-0"}}}},
			ReservedFor: []resourcev1.ResourceClaimConsumerReference{{Resource: "pods", Name: "p", UID: "pod-uid"}},
		},
	}
	slice := &resourcev1.ResourceSlice{
		ObjectMeta: metav1.ObjectMeta{Name: "n1-gpu", ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubelet-plugin"}}},
		Spec: resourcev1.ResourceSliceSpec{Driver: "gpu.nvidia.com", NodeName: ptr.To("n1"), Pool: resourcev1.ResourcePool{Name: "n1", Generation: 1, ResourceSliceCount: 1},
			Devices: []resourcev1.Device{{Name: "gpu-0",
				Attributes: map[resourcev1.QualifiedName]resourcev1.DeviceAttribute{"type": str("gpu"), "productName": str("NVIDIA L4"), "uuid": str("GPU-1234")},
				Capacity:   map[resourcev1.QualifiedName]resourcev1.DeviceCapacity{"memory": {Value: resource.MustParse("24Gi")}}}}},
	}
	var objs []any
	for _, o := range []any{claim, slice} {
		s, err := stripDRA(o)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, s)
	}
	c, s := objs[0].(*resourcev1.ResourceClaim), objs[1].(*resourcev1.ResourceSlice)
	if c.ManagedFields != nil || c.Spec.Devices.Config != nil || c.Status.ReservedFor != nil || s.ManagedFields != nil || s.Spec.Devices[0].Capacity != nil {
		t.Errorf("not stripped: claim %+v\nslice %+v", c, s)
	}

	d := &audit.DRA{Claims: []resourcev1.ResourceClaim{*c}, Slices: []resourcev1.ResourceSlice{*s}}
	pod := audit.Workload{APIVersion: "v1", Kind: "Pod", Namespace: "llm", Name: "p", UID: string(types.UID("pod-uid")), NodeName: "n1", Phase: "Running",
		Templates: []audit.PodTemplate{{SpecPath: "spec", Spec: &corev1.PodSpec{
			Containers:     []corev1.Container{{Name: "vllm", Image: "vllm/vllm-openai:v0.11.0"}},
			ResourceClaims: []corev1.PodResourceClaim{{Name: "gpu", ResourceClaimTemplateName: ptr.To("single-gpu")}},
		}}}}
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	rep := e.Audit(&audit.Inventory{Workloads: []audit.Workload{pod}, Nodes: []corev1.Node{{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}}, DRA: d}, audit.Options{})
	g := rep.Workloads[0].GPUs
	if len(g) != 1 || g[0].Claim == nil || g[0].Claim.State != audit.ClaimAllocated || g[0].Claim.Product != "NVIDIA L4" || g[0].Claim.Name != "p-gpu-abc" {
		t.Errorf("pod GPUs after stripping: %+v", g)
	}
	if n := rep.Nodes[0]; len(n.GPUs) != 1 || n.GPUs[0].Resource != "gpu.nvidia.com/gpu" || n.GPUs[0].Allocated != 1 || n.GPUProduct != "NVIDIA L4" {
		t.Errorf("node after stripping: %+v", n)
	}
}
