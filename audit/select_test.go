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
		// A warm pool runs its SandboxTemplate's pods: the template's row
		// has its findings, the pool gives way to its pods as before.
		name: "a resource whose template is another object's",
		in: []audit.Workload{
			{Kind: "SandboxWarmPool", Namespace: "llm", Name: "pool", Templates: []audit.PodTemplate{{From: "SandboxTemplate/py"}}},
			pod("pool-abc", nil, audit.Owner{Kind: "SandboxWarmPool", Name: "pool"}),
		},
		want: []string{"Pod/pool-abc"},
		left: 1,
	}, {
		// Same names in another namespace and of another kind are others.
		name: "namespaces and kinds apart",
		in: []audit.Workload{
			ctl("LeaderWorkerSet", "x", nil), ctl("RayCluster", "x", nil),
			{Kind: "LeaderWorkerSet", Namespace: "other", Name: "x"},
			pod("x-0", nil, audit.Owner{Kind: "RayCluster", Name: "x"}),
		},
		want: []string{"LeaderWorkerSet/x", "RayCluster/x (1 pods)", "LeaderWorkerSet/x", "Pod/x-0 < RayCluster/x"},
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
			audit.LinkRunsFrom(got)
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

// TestLinkRunsFromCountsTheScope: after -l leaves some pods out, a
// resource counts those in scope, and a pod whose resource is out of
// scope names none.
func TestLinkRunsFromCountsTheScope(t *testing.T) {
	lws := audit.Owner{Kind: "LeaderWorkerSet", Name: "vllm"}
	in := []audit.Workload{
		{Kind: "LeaderWorkerSet", Namespace: "llm", Name: "vllm"},
		{Kind: "Pod", Namespace: "llm", Name: "vllm-0", Owner: &lws, Owners: []audit.Owner{lws}, Labels: map[string]string{"role": "leader"}},
		{Kind: "Pod", Namespace: "llm", Name: "vllm-0-1", Owner: &lws, Owners: []audit.Owner{lws}, Labels: map[string]string{"role": "worker"}},
	}
	kept, _ := audit.SelectWorkloads(in)
	worker := []audit.Workload{kept[0], kept[2]} // -l role=worker
	audit.LinkRunsFrom(worker)
	if worker[0].Status.Text() != "1 pod" || worker[1].RunsFrom == nil {
		t.Errorf("in scope: %s, runs from %v", worker[0].Status.Text(), worker[1].RunsFrom)
	}
	pods := []audit.Workload{kept[1], kept[2]} // the resource itself left out
	audit.LinkRunsFrom(pods)
	if pods[0].RunsFrom != nil || pods[1].RunsFrom != nil {
		t.Errorf("pods name a resource that is not a row: %v %v", pods[0].RunsFrom, pods[1].RunsFrom)
	}
	none := []audit.Workload{kept[0]}
	audit.LinkRunsFrom(none)
	if none[0].Status.Text() != "pods not in scope" {
		t.Errorf("no pod in scope: %q", none[0].Status.Text())
	}
}
