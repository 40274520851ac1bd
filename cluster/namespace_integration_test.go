//go:build integration

package cluster_test

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
)

// TestLiveNamespaceEnforceRejects: a Deployment in a namespace that
// enforces restricted has no pods (the API server refuses them); the
// live audit reads the namespace's labels and reports TG-PSS-011, and
// the result carries the namespace's policy.
func TestLiveNamespaceEnforceRejects(t *testing.T) {
	c, err := cluster.NewClients(cl.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const ns = "pss-enforced"
	_, err = c.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{
		"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted",
	}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": "vllm"}
	one := int32(1)
	_, err = c.Kube.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "vllm"},
		Spec: appsv1.DeploymentSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "vllm", Image: "vllm/vllm-openai:v0.9.2", Args: []string{"--model", "Qwen/Qwen2.5-7B-Instruct"}}}},
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := liveReport(t, c, cluster.Options{Namespace: ns})
	r := rep.Workload("Deployment", ns, "vllm")
	if r == nil {
		t.Fatalf("no Deployment %s/vllm in the live audit: %+v", ns, rep.Workloads)
	}
	if r.NamespacePodSecurity == nil || r.NamespacePodSecurity.Enforce != "restricted:latest" {
		t.Errorf("namespace policy: got %+v, want enforce restricted:latest", r.NamespacePodSecurity)
	}
	var msg string
	for _, f := range r.Findings {
		if f.Rule == audit.RuleNamespaceRejects {
			msg = f.Message
		}
	}
	if !strings.Contains(msg, "restricted:latest") || !strings.Contains(msg, "runAsNonRoot != true") {
		t.Errorf("want a TG-PSS-011 finding naming restricted:latest and runAsNonRoot, got %q in %+v", msg, r.Findings)
	}
}
