package audit

import "testing"

// The signal table is data: its names must be unique, and every matcher
// must build its evidence within the parts an ev holds (mk panics).
func TestSignalTable(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range builtinSignals(&signalBuilder{}) {
		if s.name == "" || seen[s.name] {
			t.Errorf("signal name %q empty or repeated", s.name)
		}
		seen[s.name] = true
		if s.weight == 0 || len(s.votes) == 0 {
			t.Errorf("signal %s: weight %v votes %v", s.name, s.weight, s.votes)
		}
	}
}
