package audit

import (
	"hash/maphash"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	pssapi "k8s.io/pod-security-admission/api"
	psspolicy "k8s.io/pod-security-admission/policy"
	"k8s.io/utils/ptr"
)

// TestPSSAllowedVolumes holds pssAllowedVolume to the library: every
// volume type, alone in a pod, is allowed at restricted exactly when
// pssAllowedVolume says so (a type the library stops allowing would have
// its volumes' names in findings, which the content key leaves out).
func TestPSSAllowedVolumes(t *testing.T) {
	ev, err := psspolicy.NewEvaluator(psspolicy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	lv := pssapi.LevelVersion{Level: pssapi.LevelRestricted, Version: pssapi.LatestVersion()}
	typ := reflect.TypeFor[corev1.VolumeSource]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		var src corev1.VolumeSource
		reflect.ValueOf(&src).Elem().Field(i).Set(reflect.New(f.Type.Elem()))
		spec := &corev1.PodSpec{Volumes: []corev1.Volume{{Name: "v", VolumeSource: src}}}
		allowed := true
		for _, r := range ev.EvaluatePod(lv, &metav1.ObjectMeta{}, spec) {
			if !r.Allowed && r.ForbiddenReason == "restricted volume types" {
				allowed = false
			}
		}
		if got := pssAllowedVolume(&src); got != allowed {
			t.Errorf("%s: pssAllowedVolume says %v, the library's restricted level allowed=%v", f.Name, got, allowed)
		}
	}
}

// TestPSSContentKey: what differs between pods of one spec (the node, the
// host name, the service account token volume's random name and its
// mounts) keys alike; what the library reads or names does not.
func TestPSSContentKey(t *testing.T) {
	keySeed := maphash.MakeSeed()
	base := func() *corev1.PodSpec {
		return &corev1.PodSpec{
			NodeName: "gpu-node-01", Hostname: "sbx-1", Subdomain: "sbx",
			Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{}},
			Containers: []corev1.Container{{Name: "runner", Image: "ghcr.io/acme/runner:1", VolumeMounts: []corev1.VolumeMount{
				{Name: "kube-api-access-x7k2p", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount"},
				{Name: "models", MountPath: "/models"},
			}}},
			Volumes: []corev1.Volume{
				{Name: "kube-api-access-x7k2p", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{}}},
				{Name: "models", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/models"}}},
			},
		}
	}
	key := func(spec *corev1.PodSpec) pssContent {
		w := &Workload{Kind: "Pod", Templates: []PodTemplate{{SpecPath: "spec", Spec: spec}}}
		s := &subject{w: w, ix: &index{seed: keySeed}}
		return s.pssContentKey(&w.Templates[0], "restricted", "latest")
	}
	want := key(base())
	for name, change := range map[string]func(*corev1.PodSpec){
		"node":      func(s *corev1.PodSpec) { s.NodeName = "gpu-node-02" },
		"host name": func(s *corev1.PodSpec) { s.Hostname, s.Subdomain = "sbx-2", "other" },
		"affinity":  func(s *corev1.PodSpec) { s.Affinity = nil },
		"token volume's name and mounts": func(s *corev1.PodSpec) {
			s.Volumes[0].Name = "kube-api-access-q9z8m"
			s.Containers[0].VolumeMounts[0].Name = "kube-api-access-q9z8m"
		},
	} {
		spec := base()
		change(spec)
		if key(spec) != want {
			t.Errorf("%s: keyed apart from the same pod elsewhere", name)
		}
	}
	for name, change := range map[string]func(*corev1.PodSpec){
		"host path volume's name": func(s *corev1.PodSpec) { s.Volumes[1].Name = "weights" },
		"host path":               func(s *corev1.PodSpec) { s.Volumes[1].HostPath.Path = "/var/run" },
		"container's name":        func(s *corev1.PodSpec) { s.Containers[0].Name = "other" },
		"security context": func(s *corev1.PodSpec) {
			s.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true)}
		},
		"host network": func(s *corev1.PodSpec) { s.HostNetwork = true },
	} {
		spec := base()
		change(spec)
		if key(spec) == want {
			t.Errorf("%s: keyed like the pod without the change", name)
		}
	}
	spec := base()
	key(spec)
	if spec.NodeName != "gpu-node-01" || spec.Volumes[0].Name != "kube-api-access-x7k2p" || spec.Containers[0].VolumeMounts == nil || spec.Affinity == nil {
		t.Errorf("keying changed the template: %+v", spec)
	}
}
