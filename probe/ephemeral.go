package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/fingerprint"
)

// EphemeralCommand is what the ephemeral container runs: the image must
// have tiergate on its PATH (the release image does).
var EphemeralCommand = []string{"tiergate", "probe", "--local", "-o", "json"}

// EphemeralContainer is the probe's container: it shares the pod's
// sandbox, so its kernel is the pod's, and it asks for nothing the
// restricted Pod Security level forbids.
func EphemeralContainer(name, image string) corev1.EphemeralContainer {
	return corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
		Name:                     name,
		Image:                    image,
		Command:                  EphemeralCommand,
		ImagePullPolicy:          corev1.PullIfNotPresent,
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		SecurityContext: &corev1.SecurityContext{
			RunAsNonRoot:             ptr.To(true),
			RunAsUser:                ptr.To[int64](65532),
			AllowPrivilegeEscalation: ptr.To(false),
			ReadOnlyRootFilesystem:   ptr.To(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
	}}
}

// EphemeralPatch is the strategic merge patch of the pods/ephemeralcontainers
// subresource that adds ec to pod (kubectl debug sends the same kind).
func EphemeralPatch(pod *corev1.Pod, ec corev1.EphemeralContainer) ([]byte, error) {
	before, err := json.Marshal(pod)
	if err != nil {
		return nil, err
	}
	after := pod.DeepCopy()
	after.Spec.EphemeralContainers = append(after.Spec.EphemeralContainers, ec)
	next, err := json.Marshal(after)
	if err != nil {
		return nil, err
	}
	return strategicpatch.CreateTwoWayMergePatch(before, next, corev1.Pod{})
}

// Ephemeral runs the local probe in an ephemeral container of a pod (RBAC:
// patch pods/ephemeralcontainers, get pods, get pods/log). An ephemeral
// container cannot be removed: it stays in the pod's spec, terminated.
type Ephemeral struct {
	Client kubernetes.Interface
	Image  string
	// Poll is how often the pod's status is read (default 1s).
	Poll time.Duration
	// DryRun asks the server to validate the container, not to add it.
	DryRun bool
	// Logs reads a container's output; defaults to the pods/log API.
	Logs func(ctx context.Context, namespace, pod, container string) ([]byte, error)
}

// Add sends the ephemeral container and returns its name and the pod the
// server answered with.
func (e *Ephemeral) Add(ctx context.Context, pod *corev1.Pod) (string, *corev1.Pod, error) {
	name := "tiergate-probe-" + utilrand.String(5)
	patch, err := EphemeralPatch(pod, EphemeralContainer(name, e.Image))
	if err != nil {
		return "", nil, err
	}
	opts := metav1.PatchOptions{FieldManager: "tiergate"}
	if e.DryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	got, err := e.Client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, opts, "ephemeralcontainers")
	if err != nil {
		return "", nil, fmt.Errorf("adding an ephemeral container to %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return name, got, nil
}

// Facts adds the container, waits for it to finish and parses what
// tiergate probe --local printed.
func (e *Ephemeral) Facts(ctx context.Context, pod *corev1.Pod) (fingerprint.Facts, error) {
	name, _, err := e.Add(ctx, pod)
	if err != nil {
		return fingerprint.Facts{}, err
	}
	if err := e.wait(ctx, pod.Namespace, pod.Name, name); err != nil {
		return fingerprint.Facts{}, err
	}
	logs := e.Logs
	if logs == nil {
		logs = e.apiLogs
	}
	out, err := logs(ctx, pod.Namespace, pod.Name, name)
	if err != nil {
		return fingerprint.Facts{}, fmt.Errorf("reading the probe's output: %w", err)
	}
	return ParseLocalOutput(out)
}

// wait polls the pod until the container has terminated, or says why it
// cannot start (an image that cannot be pulled).
func (e *Ephemeral) wait(ctx context.Context, ns, pod, name string) error {
	poll := e.Poll
	if poll <= 0 {
		poll = time.Second
	}
	var last string
	err := wait.PollUntilContextCancel(ctx, poll, true, func(ctx context.Context) (bool, error) {
		p, err := e.Client.CoreV1().Pods(ns).Get(ctx, pod, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, s := range p.Status.EphemeralContainerStatuses {
			if s.Name != name {
				continue
			}
			switch {
			case s.State.Terminated != nil:
				if t := s.State.Terminated; t.ExitCode != 0 {
					return false, fmt.Errorf("the probe container exited %d (%s): %s", t.ExitCode, t.Reason, quoteOutput(t.Message))
				}
				return true, nil
			case s.State.Waiting != nil:
				last = s.State.Waiting.Reason
				if badImage(last) {
					return false, fmt.Errorf("the probe container cannot start: %s (%s)", last, quoteOutput(s.State.Waiting.Message))
				}
			}
		}
		return false, nil
	})
	if err != nil && ctx.Err() != nil {
		if last == "" {
			last = "not started"
		}
		return fmt.Errorf("the probe container %s did not finish in time (last state: %s)", name, last)
	}
	return err
}

func badImage(reason string) bool {
	switch reason {
	case "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "CreateContainerError", "CreateContainerConfigError", "RunContainerError":
		return true
	}
	return false
}

func (e *Ephemeral) apiLogs(ctx context.Context, ns, pod, container string) ([]byte, error) {
	rc, err := e.Client.CoreV1().Pods(ns).GetLogs(pod, &corev1.PodLogOptions{Container: container, LimitBytes: ptr.To[int64](maxFileBytes)}).Stream(ctx)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, maxFileBytes))
}

// LocalOutput is what tiergate probe --local -o json prints.
type LocalOutput struct {
	Facts   fingerprint.Facts   `json:"facts"`
	Verdict fingerprint.Verdict `json:"verdict"`
}

// ParseLocalOutput reads the facts from tiergate probe --local -o json.
func ParseLocalOutput(b []byte) (fingerprint.Facts, error) {
	var out LocalOutput
	if err := json.Unmarshal(b, &out); err != nil {
		return fingerprint.Facts{}, fmt.Errorf("the probe container's output is not tiergate probe --local -o json (%v): does the image run tiergate?", err)
	}
	if out.Facts.Version == "" && out.Facts.Release == "" && len(out.Facts.Unread) == 0 {
		return fingerprint.Facts{}, errors.New("the probe container printed no facts")
	}
	return out.Facts, nil
}
