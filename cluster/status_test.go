package cluster

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func running(name string, ready bool, restarts int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, Ready: ready, RestartCount: restarts, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
}

func waiting(reason, msg string, restarts int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{RestartCount: restarts, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}}
}

func terminated(reason string, code int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: reason, ExitCode: code}}}
}

// TestPodStatus holds the STATUS word to kubectl get pods' for the states
// an operator meets, and the reason a pod is not running to its source.
func TestPodStatus(t *testing.T) {
	one := []corev1.Container{{Name: "c"}}
	two := []corev1.Container{{Name: "a"}, {Name: "b"}}
	unschedulable := "0/9 nodes are available: 3 Insufficient nvidia.com/gpu, 6 node(s) didn't match Pod's node affinity/selector."
	for _, tt := range []struct {
		name                string
		pod                 corev1.Pod
		text, short, reason string
		message             string
		ready, restarts     int
		healthy             bool
	}{
		{name: "running and ready", text: "Running", short: "Running", ready: 1, healthy: true,
			pod: corev1.Pod{Spec: corev1.PodSpec{Containers: one}, Status: corev1.PodStatus{Phase: corev1.PodRunning,
				ContainerStatuses: []corev1.ContainerStatus{running("c", true, 0)}}}},
		{name: "running, one of two ready", text: "Running, 1/2 ready", short: "NotReady", ready: 1, restarts: 3,
			pod: corev1.Pod{Spec: corev1.PodSpec{Containers: two}, Status: corev1.PodStatus{Phase: corev1.PodRunning,
				ContainerStatuses: []corev1.ContainerStatus{running("a", true, 3), running("b", false, 0)}}}},
		{name: "left unscheduled", text: "Pending: Unschedulable", short: "Pending", reason: "Unschedulable", message: unschedulable,
			pod: corev1.Pod{Spec: corev1.PodSpec{Containers: one}, Status: corev1.PodStatus{Phase: corev1.PodPending,
				Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: unschedulable}}}}},
		{name: "scheduling gated", text: "Pending: SchedulingGated", short: "Pending", reason: "SchedulingGated",
			pod: corev1.Pod{Spec: corev1.PodSpec{Containers: one}, Status: corev1.PodStatus{Phase: corev1.PodPending,
				Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "SchedulingGated"}}}}},
		{name: "creating", text: "ContainerCreating", short: "ContainerCreating",
			pod: corev1.Pod{Spec: corev1.PodSpec{Containers: one}, Status: corev1.PodStatus{Phase: corev1.PodPending,
				Conditions:        []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}},
				ContainerStatuses: []corev1.ContainerStatus{waiting("ContainerCreating", "", 0)}}}},
		{name: "crash loop", text: "CrashLoopBackOff", short: "CrashLoopBackOff", restarts: 7, message: "back-off 5m0s restarting failed container",
			pod: corev1.Pod{Spec: corev1.PodSpec{Containers: one}, Status: corev1.PodStatus{Phase: corev1.PodRunning,
				ContainerStatuses: []corev1.ContainerStatus{waiting("CrashLoopBackOff", "back-off 5m0s restarting failed container", 7)}}}},
		{name: "image pull", text: "ImagePullBackOff", short: "ImagePullBackOff",
			pod: corev1.Pod{Spec: corev1.PodSpec{Containers: one}, Status: corev1.PodStatus{Phase: corev1.PodPending,
				ContainerStatuses: []corev1.ContainerStatus{waiting("ImagePullBackOff", "", 0)}}}},
		{name: "completed", text: "Completed", short: "Completed", healthy: true,
			pod: corev1.Pod{Spec: corev1.PodSpec{Containers: one}, Status: corev1.PodStatus{Phase: corev1.PodSucceeded,
				ContainerStatuses: []corev1.ContainerStatus{terminated("Completed", 0)}}}},
		{name: "exit code without a reason", text: "ExitCode:137", short: "ExitCode:137",
			pod: corev1.Pod{Spec: corev1.PodSpec{Containers: one}, Status: corev1.PodStatus{Phase: corev1.PodFailed,
				ContainerStatuses: []corev1.ContainerStatus{terminated("", 137)}}}},
		{name: "init container running", text: "Init:0/2", short: "Init:0/2",
			pod: corev1.Pod{Spec: corev1.PodSpec{Containers: one, InitContainers: two}, Status: corev1.PodStatus{Phase: corev1.PodPending,
				InitContainerStatuses: []corev1.ContainerStatus{running("a", false, 0), waiting("PodInitializing", "", 0)}}}},
		{name: "init container crashing", text: "Init:CrashLoopBackOff", short: "Init:CrashLoopBackOff", restarts: 4,
			pod: corev1.Pod{Spec: corev1.PodSpec{Containers: one, InitContainers: one}, Status: corev1.PodStatus{Phase: corev1.PodPending,
				InitContainerStatuses: []corev1.ContainerStatus{waiting("CrashLoopBackOff", "", 4)}}}},
		// A sidecar counts as a container, as in kubectl's READY 2/2.
		{name: "started sidecar is not initializing", text: "Running", short: "Running", ready: 2, healthy: true,
			pod: corev1.Pod{Spec: corev1.PodSpec{Containers: one, InitContainers: []corev1.Container{{Name: "proxy", RestartPolicy: ptr.To(corev1.ContainerRestartPolicyAlways)}}},
				Status: corev1.PodStatus{Phase: corev1.PodRunning,
					InitContainerStatuses: []corev1.ContainerStatus{{Name: "proxy", Started: ptr.To(true), Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}},
					ContainerStatuses:     []corev1.ContainerStatus{running("c", true, 0)}}}},
		// From kubectl's printer: a sidecar's restarts count once the pod
		// is initialised, a finished init container's do not.
		{name: "sidecar restarts count, a finished init container's do not", text: "Running", short: "Running", ready: 2, healthy: true, restarts: 3,
			pod: corev1.Pod{Spec: corev1.PodSpec{Containers: one, InitContainers: []corev1.Container{{Name: "setup"}, {Name: "proxy", RestartPolicy: ptr.To(corev1.ContainerRestartPolicyAlways)}}},
				Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodInitialized, Status: corev1.ConditionTrue}},
					InitContainerStatuses: []corev1.ContainerStatus{
						{Name: "setup", RestartCount: 5, State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}}},
						{Name: "proxy", RestartCount: 2, Started: ptr.To(true), Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}},
					ContainerStatuses: []corev1.ContainerStatus{running("c", true, 1)}}}},
		{name: "completed beside a running container, pod not ready", text: "NotReady", short: "NotReady", ready: 1,
			pod: corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}, {Name: "b"}}},
				Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
					running("a", true, 0),
					{Name: "b", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}}}}}}},
		{name: "a finished pod being deleted keeps its word", text: "Completed", short: "Completed", healthy: true,
			pod: corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &metav1.Time{}}, Spec: corev1.PodSpec{Containers: one},
				Status: corev1.PodStatus{Phase: corev1.PodSucceeded, ContainerStatuses: []corev1.ContainerStatus{
					{Name: "c", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}}}}}}},
		{name: "evicted", text: "Evicted", short: "Evicted", message: "The node was low on resource: memory.",
			pod: corev1.Pod{Spec: corev1.PodSpec{Containers: one}, Status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted", Message: "The node was low on resource: memory."}}},
		{name: "terminating", text: "Terminating", short: "Terminating", ready: 1,
			pod: corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &metav1.Time{}}, Spec: corev1.PodSpec{Containers: one},
				Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{running("c", true, 0)}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := podStatus(&tt.pod)
			if got := st.Text(); got != tt.text {
				t.Errorf("Text() = %q, want %q", got, tt.text)
			}
			if got := st.Short(); got != tt.short {
				t.Errorf("Short() = %q, want %q", got, tt.short)
			}
			if st.Reason != tt.reason || st.Message != tt.message || st.Ready != tt.ready || st.Restarts != tt.restarts || st.Healthy() != tt.healthy {
				t.Errorf("got %+v (healthy %v)", st, st.Healthy())
			}
			sidecars := 0
			for _, c := range tt.pod.Spec.InitContainers {
				if c.RestartPolicy != nil {
					sidecars++
				}
			}
			if st.Phase != string(tt.pod.Status.Phase) || st.Containers != len(tt.pod.Spec.Containers)+sidecars {
				t.Errorf("phase/containers: %+v", st)
			}
		})
	}
}

func TestPodStatusBoundsItsMessage(t *testing.T) {
	p := &corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed,
		ContainerStatuses: []corev1.ContainerStatus{{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", Message: strings.Repeat("log line\n", 1000)}}}}}}
	if st := podStatus(p); len(st.Message) > maxMessage+len("…") || st.Status != "Error" {
		t.Errorf("%d bytes, status %q", len(st.Message), st.Status)
	}
}

// TestControllerStatusSaysWhyNoPods reads the reason from what strip keeps
// of each controller's status, so that the transform and the reading are
// tested together.
func TestControllerStatusSaysWhyNoPods(t *testing.T) {
	forbidden := `pods "browser-agent-6f8f9d6d6b-" is forbidden: pod rejected: RuntimeClass "kata-dragonball" not found`
	for _, tt := range []struct {
		name         string
		obj          any
		text, reason string
		message      string
	}{
		{name: "deployment failing admission", text: "no pods: FailedCreate", reason: "FailedCreate", message: forbidden,
			obj: &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](2)}, Status: appsv1.DeploymentStatus{Replicas: 2, Conditions: []appsv1.DeploymentCondition{
				{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetCreated", Message: "ok"},
				{Type: appsv1.DeploymentReplicaFailure, Status: corev1.ConditionTrue, Reason: "FailedCreate", Message: forbidden}}}}},
		{name: "replicaset failing admission", text: "no pods: FailedCreate", reason: "FailedCreate", message: forbidden,
			obj: &appsv1.ReplicaSet{Status: appsv1.ReplicaSetStatus{Conditions: []appsv1.ReplicaSetCondition{
				{Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue, Reason: "FailedCreate", Message: forbidden}}}}},
		{name: "deployment scaled to zero", text: "no pods: ScaledToZero", reason: "ScaledToZero",
			obj: &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](0)}}},
		{name: "statefulset says nothing", text: "no pods",
			obj: &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](3)}}},
		{name: "job complete", text: "no pods: Complete", reason: "Complete",
			obj: &batchv1.Job{Status: batchv1.JobStatus{Conditions: []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}}}},
		{name: "cronjob between runs", text: "no pods: Scheduled", reason: "Scheduled", message: "runs on schedule 0 3 * * *",
			obj: &batchv1.CronJob{Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *"}}},
		{name: "cronjob suspended", text: "no pods: Suspended", reason: "Suspended", message: "runs on schedule 0 3 * * *",
			obj: &batchv1.CronJob{Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *", Suspend: ptr.To(true)}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stripped, err := strip(tt.obj)
			if err != nil {
				t.Fatal(err)
			}
			st := controllerStatus(stripped)
			if st.Text() != tt.text || st.Reason != tt.reason || st.Message != tt.message || st.Healthy() {
				t.Errorf("got %+v, text %q", st, st.Text())
			}
		})
	}
	d := &appsv1.Deployment{Status: appsv1.DeploymentStatus{Replicas: 2, Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue}}}}
	if _, _ = strip(d); d.Status.Replicas != 0 || len(d.Status.Conditions) != 0 {
		t.Errorf("strip kept %+v", d.Status)
	}
}
