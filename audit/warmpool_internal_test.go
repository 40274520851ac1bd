package audit

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// TestIsolationDiffs: each isolation field the template can change is
// told, with what the pod runs and what the template says now; what
// agent-sandbox and the API server fill in, and what is not isolation
// (images), is no difference.
func TestIsolationDiffs(t *testing.T) {
	base := func() *corev1.PodSpec {
		return &corev1.PodSpec{Containers: []corev1.Container{{Name: "run", Image: "r:1"}}}
	}
	for _, tc := range []struct {
		name     string
		pod, cur func(*corev1.PodSpec)
		want     string
	}{
		{"same", nil, nil, ""},
		{"defaults filled in", func(s *corev1.PodSpec) {
			s.AutomountServiceAccountToken = ptr.To(false)
			s.ServiceAccountName = "default"
			s.SecurityContext = &corev1.PodSecurityContext{}
			s.HostUsers = ptr.To(true)
		}, nil, ""},
		{"image only", func(s *corev1.PodSpec) { s.Containers[0].Image = "r:0" }, nil, ""},
		{"runtime class", nil, func(s *corev1.PodSpec) { s.RuntimeClassName = ptr.To("gvisor") }, `runtimeClassName (none) → "gvisor"`},
		{"host namespaces", func(s *corev1.PodSpec) { s.HostNetwork, s.HostPID, s.HostIPC = true, true, true }, nil,
			"hostNetwork true → false|hostPID true → false|hostIPC true → false"},
		{"user namespace", nil, func(s *corev1.PodSpec) { s.HostUsers = ptr.To(false) }, "hostUsers true → false"},
		{"token", func(s *corev1.PodSpec) { s.AutomountServiceAccountToken = ptr.To(true) }, nil, "automountServiceAccountToken true → false"},
		{"identity", nil, func(s *corev1.PodSpec) { s.ServiceAccountName = "sandbox" }, "serviceAccountName default → sandbox"},
		{"host path", func(s *corev1.PodSpec) {
			s.Volumes = []corev1.Volume{{Name: "h", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/run"}}}}
		}, nil, "hostPath volumes [/var/run] → (none)"},
		{"pod security context", nil, func(s *corev1.PodSpec) { s.SecurityContext = &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true)} }, "the pod's securityContext"},
		{"container security context", func(s *corev1.PodSpec) {
			s.InitContainers = []corev1.Container{{Name: "init"}}
			s.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true)}
		}, func(s *corev1.PodSpec) {
			s.InitContainers = []corev1.Container{{Name: "init", SecurityContext: &corev1.SecurityContext{}}}
		}, `the securityContext of container "run"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pod, cur := base(), base()
			if tc.pod != nil {
				tc.pod(pod)
			}
			if tc.cur != nil {
				tc.cur(cur)
			}
			if got := strings.Join(isolationDiffs(pod, cur), "|"); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// A template's count in words, for its detail.
func TestLaunchedClause(t *testing.T) {
	for _, tc := range []struct {
		l    *Launched
		want string
	}{
		{nil, ""},
		{&Launched{}, "; no sandbox runs from it now"},
		{&Launched{Sandboxes: 1, Claimed: 1}, "; 1 sandbox runs from it now: 0 warm in its pools, 1 claimed"},
		{&Launched{Sandboxes: 5, Warm: 3, Claimed: 2, Stale: 1}, "; 5 sandboxes run from it now: 3 warm in its pools (1 stale), 2 claimed"},
	} {
		if got := tc.l.Clause(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.l, got, tc.want)
		}
	}
	for l, want := range map[*Launched]string{nil: "Template", {}: "Template", {Sandboxes: 1, Warm: 1}: "Template: 1 sandbox", {Sandboxes: 5}: "Template: 5 sandboxes"} {
		if got := l.StatusText(); got != want {
			t.Errorf("%+v: status %q, want %q", l, got, want)
		}
	}
}
