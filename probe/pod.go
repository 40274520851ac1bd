package probe

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/tiergate/tiergate/fingerprint"
)

// Ways of reading the facts (Report.Via).
const (
	ViaLocal     = "local"
	ViaExec      = "exec"
	ViaEphemeral = "ephemeral"
)

// Report is one probe: where it ran, what it read and what that means.
type Report struct {
	Namespace string              `json:"namespace,omitempty"`
	Pod       string              `json:"pod,omitempty"`
	UID       string              `json:"uid,omitempty"`
	Container string              `json:"container,omitempty"`
	Node      string              `json:"node,omitempty"`
	Via       string              `json:"via"`
	Facts     fingerprint.Facts   `json:"facts"`
	Verdict   fingerprint.Verdict `json:"verdict"`
	// PodObject and NodeObject are what the probe read of the pod and its
	// node (nil when the node could not be read), for the caller's audit.
	PodObject  *corev1.Pod  `json:"-"`
	NodeObject *corev1.Node `json:"-"`
}

// Prober probes pods through the API server.
type Prober struct {
	Client kubernetes.Interface
	Config *rest.Config
	// Image, when set, probes through an ephemeral container running
	// tiergate from this image instead of cat over exec.
	Image string
	// NewExecutor defaults to DefaultExecutor (tests give a fake).
	NewExecutor ExecutorFactory
	// Ephemeral overrides how ephemeral containers are run (tests).
	Ephemeral *Ephemeral
}

// Probe reads the facts of a running pod's container (the pod's default
// container when container is empty) and weighs them with its node's
// kernelVersion.
func (p *Prober) Probe(ctx context.Context, namespace, name, container string) (*Report, error) {
	pod, err := p.Client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, p.explain("reading pod "+namespace+"/"+name, err)
	}
	if pod.Status.Phase != corev1.PodRunning {
		return nil, fmt.Errorf("pod %s/%s is %s: a probe needs a running container", namespace, name, phase(pod))
	}
	if container == "" {
		container = DefaultContainer(pod)
	}
	if err := running(pod, container); err != nil {
		return nil, err
	}
	rep := &Report{Namespace: namespace, Pod: name, UID: string(pod.UID), Container: container, Node: pod.Spec.NodeName, PodObject: pod}
	if p.Image != "" {
		rep.Via, rep.Container = ViaEphemeral, ""
		e := p.Ephemeral
		if e == nil {
			e = &Ephemeral{Client: p.Client, Image: p.Image}
		}
		rep.Facts, err = e.Facts(ctx, pod)
	} else {
		rep.Via = ViaExec
		x := &Exec{Config: p.Config, Client: p.Client, Namespace: namespace, Pod: name, Container: container, NewExecutor: p.NewExecutor}
		rep.Facts, err = Gather(ctx, x.Read)
	}
	if err != nil {
		return nil, p.explain("probing "+namespace+"/"+name, err)
	}
	rep.NodeObject, err = p.node(ctx, pod.Spec.NodeName)
	if err != nil {
		rep.Facts.Unread = append(rep.Facts.Unread, "node "+pod.Spec.NodeName+" kernelVersion: "+err.Error())
	} else {
		rep.Facts.NodeKernel = rep.NodeObject.Status.NodeInfo.KernelVersion
	}
	rep.Verdict = fingerprint.Decide(rep.Facts)
	return rep, nil
}

// node reads the pod's node, for its kernelVersion; without it the
// verdict rests on absolute markers alone (and says so).
func (p *Prober) node(ctx context.Context, node string) (*corev1.Node, error) {
	if node == "" {
		return nil, fmt.Errorf("the pod is not bound to a node")
	}
	n, err := p.Client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if apierrors.IsForbidden(err) {
		return nil, fmt.Errorf("forbidden (get nodes)")
	}
	return n, err
}

// explain words the API's refusals for the probe's own permissions.
func (p *Prober) explain(what string, err error) error {
	// An exec refused at the upgrade comes back as text, not a Status.
	if apierrors.IsForbidden(err) || strings.Contains(err.Error(), " is forbidden: ") {
		need := "get and create on pods/exec"
		if p.Image != "" {
			need = "patch on pods/ephemeralcontainers and get on pods/log"
		}
		return fmt.Errorf("%s: %v (a probe needs get on pods and %s)", what, err, need)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// DefaultContainer is the container kubectl exec would pick: the
// kubectl.kubernetes.io/default-container annotation, else the first.
func DefaultContainer(pod *corev1.Pod) string {
	if c := pod.Annotations["kubectl.kubernetes.io/default-container"]; c != "" {
		return c
	}
	if len(pod.Spec.Containers) > 0 {
		return pod.Spec.Containers[0].Name
	}
	return ""
}

func running(pod *corev1.Pod, container string) error {
	found := false
	for _, c := range pod.Spec.Containers {
		found = found || c.Name == container
	}
	if !found {
		return fmt.Errorf("pod %s/%s has no container %q", pod.Namespace, pod.Name, container)
	}
	for _, s := range pod.Status.ContainerStatuses {
		if s.Name == container && s.State.Running == nil {
			return fmt.Errorf("container %q of pod %s/%s is not running", container, pod.Namespace, pod.Name)
		}
	}
	return nil
}

func phase(pod *corev1.Pod) string {
	if pod.DeletionTimestamp != nil {
		return "terminating"
	}
	if pod.Status.Phase == "" {
		return "not started"
	}
	return string(pod.Status.Phase)
}
