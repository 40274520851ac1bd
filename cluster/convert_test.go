package cluster

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestStripKeepsWhatTheAuditReads(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "n", Labels: map[string]string{"app": "x"},
			Annotations:   map[string]string{lastApplied: "{...}", "note": "x"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name: "c", Image: "vllm/vllm-openai",
				Env: []corev1.EnvVar{{Name: "OPENAI_API_KEY", Value: "sk-secret"},
					{Name: "OPENAI_BASE_URL", Value: "http://svc-user:hunter2@gw.llm.svc:8000/v1?key=k3y"},
					{Name: "ANTHROPIC_API_KEY", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "anthropic"}, Key: "key"}}}},
				Resources:      corev1.ResourceRequirements{Limits: corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("2"), "cpu": resource.MustParse("4")}},
				ReadinessProbe: &corev1.Probe{},
				LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Host: "10.0.0.9", Path: "/h",
					HTTPHeaders: []corev1.HTTPHeader{{Name: "Authorization", Value: "Bearer t0ken"}}}}},
			}},
			Volumes: []corev1.Volume{
				{Name: "sock", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/run/docker.sock"}}},
				{Name: "token", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}}}}}},
				{Name: "nfs", VolumeSource: corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{Server: "nfs.internal", Path: "/models"}}},
			},
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady}}},
	}
	out, err := strip(pod)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := out.(*cachedPod)
	if !ok {
		t.Fatalf("got %T", out)
	}
	c := p.Spec.Containers[0]
	switch {
	case c.Env[0].Name != "OPENAI_API_KEY" || c.Env[0].Value != "":
		t.Errorf("env: %+v", c.Env)
	case c.Env[1].Value != "gw.llm.svc:8000":
		// Only the address a variable names is kept: no credentials,
		// path or query.
		t.Errorf("kept %q of a base URL", c.Env[1].Value)
	case c.Env[2].ValueFrom == nil || c.Env[2].ValueFrom.SecretKeyRef == nil || c.Env[2].ValueFrom.SecretKeyRef.Name != "":
		t.Errorf("a Secret reference: %+v", c.Env[2].ValueFrom)
	case len(c.Resources.Limits) != 1 || c.Resources.Limits.Name("nvidia.com/gpu", resource.DecimalSI).Value() != 2:
		t.Errorf("resources: %v", c.Resources.Limits)
	case c.ReadinessProbe != nil || p.Annotations != nil || p.ManagedFields != nil:
		t.Error("probes, annotations and managed fields must go")
	case c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Host != "10.0.0.9" || c.LivenessProbe.HTTPGet.HTTPHeaders != nil || c.LivenessProbe.HTTPGet.Path != "":
		// Pod Security forbids probes of another host: only the host stays.
		t.Errorf("a probe aimed at another host: %+v", c.LivenessProbe)
	case p.Spec.Volumes[0].HostPath == nil || p.Spec.Volumes[1].Name != "token":
		t.Errorf("volumes: %+v", p.Spec.Volumes)
	case p.Spec.Volumes[1].Projected == nil || p.Spec.Volumes[1].Projected.Sources != nil ||
		p.Spec.Volumes[2].NFS == nil || p.Spec.Volumes[2].NFS.Server != "":
		// Pod Security reads volume types: the type stays, its contents go.
		t.Errorf("volume types: %+v", p.Spec.Volumes)
	case p.Status.Phase != string(corev1.PodRunning) || p.Labels["app"] != "x":
		t.Errorf("phase %s labels %v", p.Status.Phase, p.Labels)
	}
	// The transform may see an object twice.
	again, err := strip(p)
	if err != nil || again != p {
		t.Errorf("strip of a cached pod: %v %v", again, err)
	}
}

func TestExplainIsOneLineAndIdempotent(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{apierrors.NewUnauthorized("x"), "rejected the credentials"},
		{apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New("no")), "refused access"},
		{context.DeadlineExceeded, "did not answer in time"},
		{&url.Error{Op: "Get", URL: "https://h", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}}, "cannot reach the server https://h: connection refused"},
	} {
		e := Explain("https://h", tt.err)
		if got := e.Error(); !strings.Contains(got, tt.want) || strings.Contains(got, "\n") {
			t.Errorf("%v: got %q, want %q", tt.err, got, tt.want)
		}
		if Explain("https://h", e) != e {
			t.Error("explaining twice must not wrap twice")
		}
	}
}

// A password in the server URL (the kubeconfig's server may carry one)
// is never in an explained error.
func TestExplainRedactsTheServersPassword(t *testing.T) {
	refused := &url.Error{Op: "Get", URL: "https://h", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}}
	for _, err := range []error{apierrors.NewUnauthorized("x"), context.DeadlineExceeded, refused, errors.New("odd")} {
		got := Explain("https://admin:s3cret@h:6443", err).Error()
		if strings.Contains(got, "s3cret") || !strings.Contains(got, "https://admin:xxxxx@h:6443") {
			t.Errorf("%v: %q", err, got)
		}
	}
}
