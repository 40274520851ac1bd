package audit

import (
	"testing"

	"github.com/tiergate/tiergate/policy"
)

// Types tied where the decision fell and equal on the weaker tiers go to
// the riskiest of them, however many tie.
func TestDecideTies(t *testing.T) {
	slot := func(tp policy.WorkloadType) int { return typeSlot(tp) }
	for _, tt := range []struct {
		name        string
		runs, names [4]float64 // inference, retrieval, agent, code-exec
		want        policy.WorkloadType
	}{
		{"three tied, two equal on names: the riskier of the two", [4]float64{3, 0, 3, 3}, [4]float64{1, 0, 1, 0}, policy.Agent},
		{"three tied, nothing else: the riskiest", [4]float64{3, 0, 3, 3}, [4]float64{}, policy.CodeExec},
		{"names break the tie", [4]float64{3, 0, 3, 0}, [4]float64{2, 0, 0, 0}, policy.Inference},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var sc scores
			for i := range typeOrder {
				sc.add(TierRuns, i, tt.runs[i])
				sc.add(TierNames, i, tt.names[i])
			}
			if d := sc.decide(); d.tier != TierRuns || d.winner != slot(tt.want) {
				t.Fatalf("decided at %s for %s, want %s", d.tier, typeOrder[max(d.winner, 0)], tt.want)
			}
		})
	}
}
