package remediate

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/kinds"
)

// TestTargetClimbsThroughOwnersThatRevert: a pod's fix goes up its owner
// chain as far as each owner's controller would undo a change below it
// (the registry's Reverts), and stops under an owner that says it would
// not.
func TestTargetClimbsThroughOwnersThatRevert(t *testing.T) {
	pod := &audit.Workload{
		APIVersion: "v1", Kind: "Pod", Namespace: "llm", Name: "vllm-7d9f8c6b5-x2x9z",
		Owner:     &audit.Owner{Kind: kinds.ReplicaSet.Kind, Name: "vllm-7d9f8c6b5"},
		Owners:    []audit.Owner{{Kind: kinds.ReplicaSet.Kind, Name: "vllm-7d9f8c6b5"}, {Kind: kinds.Deployment.Kind, Name: "vllm"}},
		Templates: []audit.PodTemplate{{SpecPath: "spec", Spec: &corev1.PodSpec{}}},
	}
	pt, why, ok := targetBy(pod, kinds.ForAPIVersion)
	if !ok || pt.Target != (Target{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "llm", Name: "vllm"}) || pt.specPaths[0] != "spec.template.spec" || pt.json {
		t.Errorf("with the registry: %+v %q", pt, why)
	}
	keeps := *kinds.Deployment
	keeps.Reverts = false
	lookup := func(apiVersion, kind string) (*kinds.Kind, bool) {
		if kind == keeps.Kind {
			return &keeps, true
		}
		return kinds.ForAPIVersion(apiVersion, kind)
	}
	if pt, why, ok := targetBy(pod, lookup); !ok || pt.Kind != "ReplicaSet" || pt.Name != "vllm-7d9f8c6b5" {
		t.Errorf("a Deployment that keeps its ReplicaSets' changes: %+v %q", pt, why)
	}
	unknown := *pod
	unknown.Owner = &audit.Owner{Kind: "Rollout", Name: "vllm"}
	unknown.Owners = nil
	if _, why, ok := targetBy(&unknown, kinds.ForAPIVersion); ok || why != "owned by Rollout/vllm, which tiergate does not patch yet: change its pod template by hand" {
		t.Errorf("an owner the registry lacks is assumed to revert: %q", why)
	}
}

// TestTargetOfAPodResolvesItsOwnersGroup: pods of agent-sandbox's and of
// OpenKruise's Sandbox (one kind name, two groups) are fixed through
// their own owner, in its group and version.
func TestTargetOfAPodResolvesItsOwnersGroup(t *testing.T) {
	for _, k := range []*kinds.Kind{kinds.Sandbox, kinds.KruiseSandbox} {
		pod := &audit.Workload{
			APIVersion: "v1", Kind: "Pod", Namespace: "agents", Name: "box",
			Owner:     &audit.Owner{APIVersion: k.APIVersion(), Kind: k.Kind, Name: "box"},
			Templates: []audit.PodTemplate{{SpecPath: "spec", Spec: &corev1.PodSpec{}}},
		}
		pt, why, ok := target(pod)
		if !ok || pt.Target != (Target{APIVersion: k.APIVersion(), Kind: k.Kind, Namespace: "agents", Name: "box"}) || !pt.json {
			t.Errorf("a pod of %s: %+v %q", k.GVK(), pt, why)
		}
	}
	if kinds.Sandbox.Kind != kinds.KruiseSandbox.Kind || kinds.Sandbox.APIVersion() == kinds.KruiseSandbox.APIVersion() {
		t.Fatal("the two Sandboxes are to share a name, not a group")
	}
}

// TestTargetOfAPodWhoseChainStopsShort: a LeaderWorkerSet's worker pod,
// whose StatefulSet's owner (the leader pod) is not indexed, is fixed
// through the LeaderWorkerSet it runs from, never its StatefulSet.
func TestTargetOfAPodWhoseChainStopsShort(t *testing.T) {
	sts := audit.Owner{APIVersion: "apps/v1", Kind: kinds.StatefulSet.Kind, Name: "llama-0"}
	pod := &audit.Workload{
		APIVersion: "v1", Kind: "Pod", Namespace: "llm", Name: "llama-0-1",
		Owner: &sts, Owners: []audit.Owner{sts},
		RunsFrom:  &audit.Owner{APIVersion: kinds.LeaderWorkerSet.APIVersion(), Kind: kinds.LeaderWorkerSet.Kind, Name: "llama"},
		Templates: []audit.PodTemplate{{SpecPath: "spec", Spec: &corev1.PodSpec{}}},
	}
	pt, why, ok := targetBy(pod, kinds.ForAPIVersion)
	if !ok || pt.Kind != kinds.LeaderWorkerSet.Kind || pt.Name != "llama" || !pt.json {
		t.Errorf("%+v %q, want the LeaderWorkerSet, JSON patched", pt, why)
	}
	pod.RunsFrom = nil
	if pt, _, _ := targetBy(pod, kinds.ForAPIVersion); pt.Kind != kinds.StatefulSet.Kind {
		t.Errorf("without runsFrom: %+v", pt)
	}
}
