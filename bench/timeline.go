package bench

import (
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/tiergate/tiergate/internal/textutil"
)

// Timeline is one bench pod's start, as the bench saw it: each time is
// when the watch delivered the first version of the pod in that state
// (conditions carry whole seconds only; watch events are timed to the
// nanosecond on this side).
type Timeline struct {
	Pod     string
	Node    string
	Created time.Time
	// Scheduled: PodScheduled true (the pod bound to a node).
	Scheduled time.Time
	// SandboxReady: PodReadyToStartContainers true (the kubelet made the
	// pod's sandbox and network: for Kata, the VM is up). Zero where the
	// kubelet does not report that condition.
	SandboxReady time.Time
	// ContainersReady: ContainersReady true.
	ContainersReady time.Time
	// FirstLog: the container's first log line arrived.
	FirstLog time.Time
	// Failure says why the pod did not start (image pull, sandbox,
	// Pending past the timeout, …); "" when it started.
	Failure string
	// pending is the scheduler's last word while the pod waits.
	pending string
	// sandboxEvent is the last sandbox failure the kubelet reported.
	sandboxEvent string
}

// containerFailures are waiting reasons that end a bench pod's start: it
// never restarts, and none of them clears by itself.
var containerFailures = []string{"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull",
	"CreateContainerConfigError", "CreateContainerError", "RunContainerError", "CrashLoopBackOff", "PreStartHookError"}

// Observe takes a version of the pod the watch delivered at `at` and
// reports whether its start is over (ready or failed).
func (tl *Timeline) Observe(at time.Time, p *corev1.Pod) bool {
	if p.Spec.NodeName != "" {
		tl.Node = p.Spec.NodeName
	}
	for _, c := range p.Status.Conditions {
		switch {
		case c.Type == corev1.PodScheduled && c.Status == corev1.ConditionTrue:
			first(&tl.Scheduled, at)
		case c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonUnschedulable:
			tl.pending = serverText(c.Message)
		case c.Type == corev1.PodReadyToStartContainers && c.Status == corev1.ConditionTrue:
			first(&tl.SandboxReady, at)
		case c.Type == corev1.ContainersReady && c.Status == corev1.ConditionTrue:
			first(&tl.ContainersReady, at)
		}
	}
	if !tl.ContainersReady.IsZero() {
		// A kubelet that reports no sandbox condition still made one.
		if tl.Scheduled.IsZero() {
			tl.Scheduled = tl.ContainersReady
		}
		return true
	}
	if p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded {
		tl.Failure = fmt.Sprintf("exited (%s)", phaseReason(p))
		return true
	}
	for _, cs := range p.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil && slices.Contains(containerFailures, w.Reason) {
			tl.Failure = failureKind(w.Reason) + ": " + w.Reason
			return true
		}
		if t := cs.State.Terminated; t != nil {
			tl.Failure = fmt.Sprintf("exited (%s, code %d)", t.Reason, t.ExitCode)
			return true
		}
	}
	return false
}

// ObserveEvent takes a kubelet event about the pod: a sandbox that could
// not be made is the failure Kata and gVisor runs show most, and it only
// ever appears as an event (the pod stays ContainerCreating).
func (tl *Timeline) ObserveEvent(reason, message string) {
	switch reason {
	case "FailedCreatePodSandBox", "FailedKillPod":
		tl.sandboxEvent = reason + ": " + serverText(message)
	}
}

// TimedOut ends a start that took longer than the bench waits, with the
// most telling reason the bench saw.
func (tl *Timeline) TimedOut(after time.Duration) {
	switch {
	case tl.sandboxEvent != "":
		tl.Failure = "sandbox: " + tl.sandboxEvent
	case tl.Scheduled.IsZero() && tl.pending != "":
		tl.Failure = "Pending: " + tl.pending
	case tl.Scheduled.IsZero():
		tl.Failure = fmt.Sprintf("Pending: not scheduled within %s", after)
	default:
		tl.Failure = fmt.Sprintf("not ready within %s", after)
	}
}

// serverText is a message from the cluster (a kubelet's, the
// scheduler's) fit for a table cell and a terminal: one line, no control
// characters (containerd's errors span lines).
func serverText(s string) string { return textutil.Printable(textutil.OneLine(s)) }

func failureKind(reason string) string {
	switch reason {
	case "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull":
		return "image pull"
	case "CrashLoopBackOff":
		return "crashed"
	}
	return "container"
}

func phaseReason(p *corev1.Pod) string {
	if p.Status.Reason != "" {
		return p.Status.Reason
	}
	return string(p.Status.Phase)
}

func first(t *time.Time, at time.Time) {
	if t.IsZero() {
		*t = at
	}
}

// Phases are the durations a timeline splits into; a phase the cluster
// did not report is zero.
type Phases struct {
	// Schedule: created → scheduled.
	Schedule time.Duration `json:"schedule"`
	// Sandbox: scheduled → sandbox ready.
	Sandbox time.Duration `json:"sandbox"`
	// Containers: sandbox ready (or scheduled) → containers ready.
	Containers time.Duration `json:"containers"`
	// Ready: created → containers ready, the cold start.
	Ready time.Duration `json:"ready"`
	// FirstLog: created → first log line.
	FirstLog time.Duration `json:"firstLog"`
}

// Phases returns the timeline's durations (zero ones when it failed).
func (tl *Timeline) Phases() Phases {
	if tl.Failure != "" || tl.ContainersReady.IsZero() {
		return Phases{}
	}
	ph := Phases{Schedule: tl.Scheduled.Sub(tl.Created), Ready: tl.ContainersReady.Sub(tl.Created)}
	from := tl.Scheduled
	if !tl.SandboxReady.IsZero() {
		ph.Sandbox = tl.SandboxReady.Sub(tl.Scheduled)
		from = tl.SandboxReady
	}
	ph.Containers = tl.ContainersReady.Sub(from)
	if !tl.FirstLog.IsZero() {
		ph.FirstLog = tl.FirstLog.Sub(tl.Created)
	}
	return ph
}
