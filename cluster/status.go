package cluster

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/tiergate/tiergate/audit"
)

// maxMessage bounds the status messages kept per pod: the scheduler's
// summary fits, a container's whole termination log does not.
const maxMessage = 512

// podStatus is a pod's status as kubectl get pods shows it (a port of
// printPod in k8s.io/kubernetes pkg/printers/internalversion, v1.37:
// init containers first, sidecars counted as containers, then the last
// container with a reason, Terminating over a pod that is not finished), with the scheduler's or
// the kubelet's message when the pod is not running.
func podStatus(p *corev1.Pod) audit.Status {
	st := audit.Status{Phase: string(p.Status.Phase), Status: string(p.Status.Phase), Containers: len(p.Spec.Containers)}
	if p.Status.Reason != "" {
		st.Status, st.Message = p.Status.Reason, p.Status.Message // Evicted, NodeLost, ...
	}
	// Sidecars (restartable init containers), by name as kubectl finds
	// them, count among the containers and their restarts stay counted.
	sidecars := map[string]bool{}
	for i := range p.Spec.InitContainers {
		if c := &p.Spec.InitContainers[i]; c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecars[c.Name] = true
			st.Containers++
		}
	}
	initializing := false
	sidecarRestarts := 0
	for i := range p.Status.InitContainerStatuses {
		c := &p.Status.InitContainerStatuses[i]
		st.Restarts += int(c.RestartCount)
		if sidecars[c.Name] {
			sidecarRestarts += int(c.RestartCount)
		}
		switch {
		case c.State.Terminated != nil && c.State.Terminated.ExitCode == 0:
			continue
		case sidecars[c.Name] && c.Started != nil && *c.Started:
			if c.Ready {
				st.Ready++
			}
			continue
		case c.State.Terminated != nil:
			st.Status = "Init:" + terminatedWord(c.State.Terminated)
			st.Message = c.State.Terminated.Message
		case c.State.Waiting != nil && c.State.Waiting.Reason != "" && c.State.Waiting.Reason != "PodInitializing":
			st.Status = "Init:" + c.State.Waiting.Reason
			st.Message = c.State.Waiting.Message
		default:
			st.Status = fmt.Sprintf("Init:%d/%d", i, len(p.Spec.InitContainers))
		}
		initializing = true
		break
	}
	if !initializing || conditionTrue(p, corev1.PodInitialized) {
		st.Restarts = sidecarRestarts
		running := false
		for i := len(p.Status.ContainerStatuses) - 1; i >= 0; i-- {
			c := &p.Status.ContainerStatuses[i]
			st.Restarts += int(c.RestartCount)
			switch {
			case c.State.Waiting != nil && c.State.Waiting.Reason != "":
				st.Status, st.Message = c.State.Waiting.Reason, c.State.Waiting.Message
			case c.State.Terminated != nil:
				st.Status, st.Message = terminatedWord(c.State.Terminated), c.State.Terminated.Message
			case c.Ready && c.State.Running != nil:
				running = true
				st.Ready++
			}
		}
		// A container still running after another completed.
		if st.Status == "Completed" && running {
			st.Status = "NotReady"
			if conditionTrue(p, corev1.PodReady) {
				st.Status = "Running"
			}
		}
	}
	// Pending with nothing more specific: the scheduler's condition says
	// why it has not placed the pod.
	if st.Status == string(corev1.PodPending) {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
				st.Reason, st.Message = c.Reason, c.Message
			}
		}
	}
	terminal := p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
	switch {
	case p.DeletionTimestamp != nil && p.Status.Reason == "NodeLost":
		st.Status = "Unknown"
	case p.DeletionTimestamp != nil && !terminal:
		st.Status = "Terminating" // a finished pod being deleted keeps its word
	}
	st.Message = bounded(st.Message)
	return st
}

// terminatedWord is kubectl's word for a terminated container.
func terminatedWord(t *corev1.ContainerStateTerminated) string {
	switch {
	case t.Reason != "":
		return t.Reason
	case t.Signal != 0:
		return fmt.Sprintf("Signal:%d", t.Signal)
	}
	return fmt.Sprintf("ExitCode:%d", t.ExitCode)
}

func conditionTrue(p *corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func bounded(s string) string {
	if len(s) > maxMessage {
		return s[:maxMessage] + "…"
	}
	return s
}

// controllerStatus says why a controller has no pods, when its status
// says it: a failure to create them (Deployment, ReplicaSet), a finished,
// failed or suspended Job, a CronJob between runs.
func controllerStatus(o any) *audit.Status {
	st := &audit.Status{Status: audit.StatusNoPods}
	switch c := o.(type) {
	case *appsv1.Deployment:
		for _, cond := range c.Status.Conditions {
			if cond.Type == appsv1.DeploymentReplicaFailure && cond.Status == corev1.ConditionTrue {
				st.Reason, st.Message = cond.Reason, cond.Message
			}
		}
		if c.Spec.Replicas != nil && *c.Spec.Replicas == 0 && st.Reason == "" {
			st.Reason = "ScaledToZero"
		}
	case *appsv1.ReplicaSet:
		for _, cond := range c.Status.Conditions {
			if cond.Type == appsv1.ReplicaSetReplicaFailure && cond.Status == corev1.ConditionTrue {
				st.Reason, st.Message = cond.Reason, cond.Message
			}
		}
		if c.Spec.Replicas != nil && *c.Spec.Replicas == 0 && st.Reason == "" {
			st.Reason = "ScaledToZero"
		}
	case *appsv1.StatefulSet:
		if c.Spec.Replicas != nil && *c.Spec.Replicas == 0 {
			st.Reason = "ScaledToZero"
		}
	case *batchv1.Job:
		for _, cond := range c.Status.Conditions {
			if cond.Status == corev1.ConditionTrue && (cond.Type == batchv1.JobComplete || cond.Type == batchv1.JobFailed || cond.Type == batchv1.JobSuspended) {
				st.Reason, st.Message = string(cond.Type), cond.Message
			}
		}
	case *batchv1.CronJob:
		st.Reason = "Scheduled"
		if c.Spec.Suspend != nil && *c.Spec.Suspend {
			st.Reason = "Suspended"
		}
		st.Message = "runs on schedule " + c.Spec.Schedule
	}
	st.Message = bounded(st.Message)
	return st
}

// keepConditions keeps the conditions controllerStatus reads (a failure
// to create pods, a Job's end): strip drops the rest of a status.
func keepConditions[C any](conds []C, keep func(C) bool) []C {
	var out []C
	for _, c := range conds {
		if keep(c) {
			out = append(out, c)
		}
	}
	return out
}
