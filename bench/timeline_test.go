package bench

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

var t0 = time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)

func ms(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }

func cond(typ corev1.PodConditionType, status corev1.ConditionStatus, reason, msg string) corev1.PodCondition {
	return corev1.PodCondition{Type: typ, Status: status, Reason: reason, Message: msg}
}

func podWith(conds ...corev1.PodCondition) *corev1.Pod {
	return &corev1.Pod{Spec: corev1.PodSpec{NodeName: "n1"}, Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: conds}}
}

func waiting(reason string) *corev1.Pod {
	p := podWith(cond(corev1.PodScheduled, corev1.ConditionTrue, "", ""))
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "bench", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}}
	return p
}

func TestTimelinePhases(t *testing.T) {
	scheduled := cond(corev1.PodScheduled, corev1.ConditionTrue, "", "")
	sandbox := cond(corev1.PodReadyToStartContainers, corev1.ConditionTrue, "", "")
	ready := cond(corev1.ContainersReady, corev1.ConditionTrue, "", "")
	type obs struct {
		at  int
		pod *corev1.Pod
	}
	for _, tt := range []struct {
		name    string
		obs     []obs
		done    bool
		want    Phases
		failure string
	}{
		{"every condition in turn", []obs{{10, podWith(scheduled)}, {510, podWith(scheduled, sandbox)}, {910, podWith(scheduled, sandbox, ready)}},
			true, Phases{Schedule: 10 * time.Millisecond, Sandbox: 500 * time.Millisecond, Containers: 400 * time.Millisecond, Ready: 910 * time.Millisecond}, ""},
		// A condition seen again later keeps its first time.
		{"first delivery counts", []obs{{10, podWith(scheduled)}, {20, podWith(scheduled)}, {600, podWith(scheduled, ready)}},
			true, Phases{Schedule: 10 * time.Millisecond, Containers: 590 * time.Millisecond, Ready: 600 * time.Millisecond}, ""},
		{"kubelet without the sandbox condition", []obs{{5, podWith(scheduled)}, {300, podWith(scheduled, ready)}},
			true, Phases{Schedule: 5 * time.Millisecond, Containers: 295 * time.Millisecond, Ready: 300 * time.Millisecond}, ""},
		{"image pull", []obs{{5, podWith(scheduled)}, {50, waiting("ErrImagePull")}}, true, Phases{}, "image pull: ErrImagePull"},
		{"crash", []obs{{50, waiting("CrashLoopBackOff")}}, true, Phases{}, "crashed: CrashLoopBackOff"},
		{"still creating", []obs{{50, waiting("ContainerCreating")}}, false, Phases{}, ""},
		{"exited", []obs{{50, &corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted"}}}}, true, Phases{}, "exited (Evicted)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tl := Timeline{Created: t0}
			done := false
			for _, o := range tt.obs {
				done = tl.Observe(ms(o.at), o.pod)
			}
			if done != tt.done || tl.Failure != tt.failure {
				t.Fatalf("done %v failure %q, want %v %q", done, tl.Failure, tt.done, tt.failure)
			}
			if got := tl.Phases(); got != tt.want {
				t.Errorf("phases %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTimelineTimeoutSaysWhy(t *testing.T) {
	for _, tt := range []struct {
		name string
		pod  *corev1.Pod
		ev   [2]string
		want string
	}{
		{"unschedulable", podWith(cond(corev1.PodScheduled, corev1.ConditionFalse, corev1.PodReasonUnschedulable, "0/3 nodes are available")), [2]string{},
			"Pending: 0/3 nodes are available"},
		{"never scheduled", podWith(), [2]string{}, "Pending: not scheduled within 5s"},
		{"sandbox died", podWith(cond(corev1.PodScheduled, corev1.ConditionTrue, "", "")), [2]string{"FailedCreatePodSandBox", "failed to launch the VM"},
			"sandbox: FailedCreatePodSandBox: failed to launch the VM"},
		{"slow", podWith(cond(corev1.PodScheduled, corev1.ConditionTrue, "", "")), [2]string{"Pulling", "pulling image"}, "not ready within 5s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tl := Timeline{Created: t0}
			tl.Observe(ms(10), tt.pod)
			if tt.ev[0] != "" {
				tl.ObserveEvent(tt.ev[0], tt.ev[1])
			}
			tl.TimedOut(5 * time.Second)
			if tl.Failure != tt.want {
				t.Errorf("%q, want %q", tl.Failure, tt.want)
			}
		})
	}
}

// The cluster's messages end up in the table's failure lines: one line
// each, without control characters.
func TestTimelineFailureIsOneLine(t *testing.T) {
	tl := Timeline{Created: t0}
	tl.ObserveEvent("FailedCreatePodSandBox", "failed to create containerd task:\n  \x1b[31mOCI runtime create failed\x1b[0m\r\n")
	tl.TimedOut(time.Minute)
	if want := "sandbox: FailedCreatePodSandBox: failed to create containerd task: ?[31mOCI runtime create failed?[0m"; tl.Failure != want {
		t.Errorf("%q, want %q", tl.Failure, want)
	}
	tl = Timeline{Created: t0}
	tl.Observe(ms(5), podWith(cond(corev1.PodScheduled, corev1.ConditionFalse, corev1.PodReasonUnschedulable, "0/3 nodes are available:\n3 Insufficient nvidia.com/gpu.")))
	tl.TimedOut(time.Minute)
	if want := "Pending: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu."; tl.Failure != want {
		t.Errorf("%q, want %q", tl.Failure, want)
	}
}
