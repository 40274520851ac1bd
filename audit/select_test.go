package audit_test

import (
	"strings"
	"testing"

	"github.com/tiergate/tiergate/audit"
)

// TestSelectWorkloads: pods stay, built-in controllers with pods give
// way to them, and custom resources stay rows of their own with their
// pods counted and naming them.
func TestSelectWorkloads(t *testing.T) {
	pod := func(name string, labels map[string]string, owners ...audit.Owner) audit.Workload {
		w := audit.Workload{Kind: "Pod", Namespace: "llm", Name: name, Labels: labels, Owners: owners}
		if len(owners) > 0 {
			w.Owner = &owners[0]
		}
		return w
	}
	ctl := func(kind, name string, owner *audit.Owner) audit.Workload {
		return audit.Workload{Kind: kind, Namespace: "llm", Name: name, Owner: owner}
	}
	tests := []struct {
		name string
		in   []audit.Workload
		// want: each kept workload as kind/name, then " (N pods)" for a
		// custom resource with pods or " < kind/name" for a pod that
		// runs from one.
		want []string
		left int
	}{{
		// KServe's serverless mode: the owner chain breaks at a Knative
		// Revision; the pods carry the InferenceService's name label.
		name: "name label",
		in: []audit.Workload{
			ctl("InferenceService", "served", nil), ctl("InferenceService", "idle", nil),
			pod("served-predictor-00001-abc", map[string]string{"serving.kserve.io/inferenceservice": "served"}, audit.Owner{Kind: "ReplicaSet", Name: "served-predictor-00001-deployment-7d9f"}),
		},
		want: []string{"InferenceService/served (1 pods)", "InferenceService/idle", "Pod/served-predictor-00001-abc < InferenceService/served"},
	}, {
		name: "built-in controller gives way to its pods",
		in: []audit.Workload{
			ctl("Deployment", "web", nil), ctl("Deployment", "idle", nil),
			pod("web-5d-x", nil, audit.Owner{Kind: "ReplicaSet", Name: "web-5d"}, audit.Owner{Kind: "Deployment", Name: "web"}),
		},
		want: []string{"Deployment/idle", "Pod/web-5d-x"},
		left: 1,
	}, {
		// LeaderWorkerSet → StatefulSet → pods: the set's StatefulSets
		// are left out for it.
		name: "through a built-in in between",
		in: []audit.Workload{
			ctl("LeaderWorkerSet", "vllm", nil),
			ctl("StatefulSet", "vllm", &audit.Owner{Kind: "LeaderWorkerSet", Name: "vllm"}),
			pod("vllm-0", nil, audit.Owner{Kind: "StatefulSet", Name: "vllm"}, audit.Owner{Kind: "LeaderWorkerSet", Name: "vllm"}),
			pod("vllm-0-1", nil, audit.Owner{Kind: "StatefulSet", Name: "vllm-0"}, audit.Owner{Kind: "LeaderWorkerSet", Name: "vllm"}),
		},
		want: []string{"LeaderWorkerSet/vllm (2 pods)", "Pod/vllm-0 < LeaderWorkerSet/vllm", "Pod/vllm-0-1 < LeaderWorkerSet/vllm"},
		left: 1,
	}, {
		// A RayCluster its RayService made is left out for the service,
		// which the pods then run from.
		name: "custom above custom",
		in: []audit.Workload{
			ctl("RayService", "serve", nil),
			ctl("RayCluster", "serve-raycluster-abc", &audit.Owner{Kind: "RayService", Name: "serve"}),
			pod("serve-head", nil, audit.Owner{Kind: "RayCluster", Name: "serve-raycluster-abc"}, audit.Owner{Kind: "RayService", Name: "serve"}),
		},
		want: []string{"RayService/serve (1 pods)", "Pod/serve-head < RayService/serve"},
		left: 1,
	}, {
		// The RayService is not readable: the cluster stands for it.
		name: "nearest custom resource in the input",
		in: []audit.Workload{
			ctl("RayCluster", "serve-raycluster-abc", &audit.Owner{Kind: "RayService", Name: "serve"}),
			pod("serve-head", nil, audit.Owner{Kind: "RayCluster", Name: "serve-raycluster-abc"}, audit.Owner{Kind: "RayService", Name: "serve"}),
		},
		want: []string{"RayCluster/serve-raycluster-abc (1 pods)", "Pod/serve-head < RayCluster/serve-raycluster-abc"},
	}, {
		name: "a pod of a resource not in the input stands alone",
		in: []audit.Workload{
			pod("sbx", nil, audit.Owner{Kind: "Sandbox", Name: "sbx"}),
		},
		want: []string{"Pod/sbx"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, left := audit.SelectWorkloads(tc.in)
			var names []string
			for _, w := range got {
				s := w.Kind + "/" + w.Name
				if w.Status != nil && w.Status.Status == audit.StatusPods {
					s += " (" + itoa(int64(w.Status.Pods)) + " pods)"
				}
				if w.RunsFrom != nil {
					s += " < " + w.RunsFrom.Kind + "/" + w.RunsFrom.Name
				}
				names = append(names, s)
			}
			if strings.Join(names, "; ") != strings.Join(tc.want, "; ") || left != tc.left {
				t.Errorf("kept %q, left out %d\nwant %q, %d", names, left, tc.want, tc.left)
			}
			for _, w := range tc.in {
				if w.RunsFrom != nil || w.Status != nil {
					t.Errorf("input %s/%s changed", w.Kind, w.Name)
				}
			}
		})
	}
}

// TestStatusPods: a custom resource with pods counts them.
func TestStatusPods(t *testing.T) {
	for n, want := range map[int]string{1: "1 pod", 3: "3 pods"} {
		s := &audit.Status{Status: audit.StatusPods, Pods: n}
		if s.Text() != want || s.Short() != want || !s.Healthy() {
			t.Errorf("%d pods: text %q, short %q, healthy %v; want %q", n, s.Text(), s.Short(), s.Healthy(), want)
		}
	}
}
