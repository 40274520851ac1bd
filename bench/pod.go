package bench

import (
	"fmt"
	"hash/fnv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Labels and annotations every object the bench creates carries: cleanup
// deletes by them, and nothing without them is ever touched.
const (
	LabelManagedBy = "app.kubernetes.io/managed-by"
	LabelComponent = "app.kubernetes.io/component"
	LabelRun       = "tiergate.dev/bench-run"
	// AnnotationTarget names the target a pod measures (a RuntimeClass
	// name may be longer than a label value may be).
	AnnotationTarget = "tiergate.dev/bench-target"

	ManagedBy = "tiergate"
	Component = "bench"

	// DefaultImage is small, public and prints a line: the first log
	// line is timed from it.
	DefaultImage = "registry.k8s.io/e2e-test-images/busybox:1.36.1-1"
	// DefaultGPUResource is what --gpu asks for.
	DefaultGPUResource corev1.ResourceName = "nvidia.com/gpu"
)

// ReadyLine is what the bench container prints first.
const ReadyLine = "tiergate-bench: started"

// PodOptions shape the bench pods.
type PodOptions struct {
	Image string
	// RunID tells this run's pods from an earlier, killed run's.
	RunID string
	GPUs  int
	// GPUResource is the extended resource GPUs are requested as.
	GPUResource corev1.ResourceName
	// Server, when set, makes the pods an LLM server (NewServer).
	Server *Server
	// Memory, when set, is each pod's memory request and limit.
	Memory *resource.Quantity
}

// Pod returns bench pod number i of target t: the Pod Security
// "restricted" level (the bench namespace enforces it), no ServiceAccount
// token, never restarted, a line printed first and then asleep; or, with
// a Server, the image's own server.
func Pod(t Target, namespace string, i int, o PodOptions) *corev1.Pod {
	image := o.Image
	if image == "" {
		image = DefaultImage
	}
	res := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
	}
	if o.GPUs > 0 {
		name := o.GPUResource
		if name == "" {
			name = DefaultGPUResource
		}
		q := *resource.NewQuantity(int64(o.GPUs), resource.DecimalSI)
		res.Requests[name], res.Limits[name] = q, q
	}
	p := &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        PodName(t, o.RunID, i),
			Namespace:   namespace,
			Labels:      map[string]string{LabelManagedBy: ManagedBy, LabelComponent: Component, LabelRun: o.RunID},
			Annotations: map[string]string{AnnotationTarget: t.Name},
		},
		Spec: corev1.PodSpec{
			RestartPolicy:                 corev1.RestartPolicyNever,
			AutomountServiceAccountToken:  ptr.To(false),
			TerminationGracePeriodSeconds: ptr.To[int64](0),
			EnableServiceLinks:            ptr.To(false),
			SecurityContext: &corev1.PodSecurityContext{
				RunAsNonRoot:   ptr.To(true),
				RunAsUser:      ptr.To[int64](65534),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
			Containers: []corev1.Container{{
				Name:    "bench",
				Image:   image,
				Command: []string{"sh", "-c", "echo '" + ReadyLine + "'; exec sleep 3600"},
				SecurityContext: &corev1.SecurityContext{
					AllowPrivilegeEscalation: ptr.To(false),
					ReadOnlyRootFilesystem:   ptr.To(true),
					Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
				},
				Resources: res,
			}},
		},
	}
	if o.Server != nil {
		serverContainer(p, o.Server, o.Memory)
	} else if o.Memory != nil {
		c := &p.Spec.Containers[0]
		c.Resources.Requests[corev1.ResourceMemory], c.Resources.Limits[corev1.ResourceMemory] = *o.Memory, *o.Memory
	}
	if t.Class != "" {
		p.Spec.RuntimeClassName = ptr.To(t.Class)
	}
	return p
}

// PodName is "tg-bench-<target>-<run>-<i>", the target cut so that the
// name stays a valid DNS label however long the RuntimeClass name is.
// Where the target had to change (dots, cut), a hash of its whole name
// keeps two targets apart ("kata.qemu" and "kata-qemu", two long names
// that share their first 40 characters): the watch routes by pod name,
// and a name reused while the other's pod is deleted would be timed from
// that pod's states.
func PodName(t Target, runID string, i int) string {
	suffix := fmt.Sprintf("-%s-%d", runID, i)
	name := strings.ReplaceAll(t.Name, ".", "-")
	if max := 63 - len("tg-bench-") - len(suffix); name != t.Name || len(name) > max {
		h := fnv.New32a()
		h.Write([]byte(t.Name))
		tag := fmt.Sprintf("-%08x", h.Sum32())
		if max -= len(tag); len(name) > max {
			name = name[:max]
		}
		name = strings.TrimRight(name, "-") + tag
	}
	return "tg-bench-" + name + suffix
}
