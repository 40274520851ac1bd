package audit_test

import (
	"testing"

	"github.com/tiergate/tiergate/audit"
)

// TestSelectWorkloadsByNameLabel: an InferenceService whose pods' owner
// chain breaks at a Knative Revision (KServe's serverless mode) is still
// represented by its pods, which carry its name label; one without pods
// stays a row of its own.
func TestSelectWorkloadsByNameLabel(t *testing.T) {
	ws := []audit.Workload{
		{Kind: "InferenceService", Namespace: "llm", Name: "served"},
		{Kind: "InferenceService", Namespace: "llm", Name: "idle"},
		{Kind: "Pod", Namespace: "llm", Name: "served-predictor-00001-abc",
			Labels: map[string]string{"serving.kserve.io/inferenceservice": "served"},
			Owner:  &audit.Owner{Kind: "ReplicaSet", Name: "served-predictor-00001-deployment-7d9f"}},
	}
	got, left := audit.SelectWorkloads(ws)
	var names []string
	for _, w := range got {
		names = append(names, w.Kind+"/"+w.Name)
	}
	if left != 1 || len(got) != 2 || got[0].Name != "idle" {
		t.Errorf("kept %v (left out %d), want the idle InferenceService and the pod", names, left)
	}
}
