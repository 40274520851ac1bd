package ui

import (
	"github.com/tiergate/tiergate/audit"
)

// draLines are the detail's lines for a pod's resource claims: each GPU a
// claim gives (allocated or requested, with what its devices say), then
// the claims that give no GPU, by name.
func draLines(r *audit.Result) []string {
	var out []string
	gpu := map[string]bool{}
	for _, g := range r.GPUs {
		if t := g.DRAText(); t != "" {
			out = append(out, t)
			gpu[g.Claim.PodClaim] = true
		}
	}
	for _, rc := range r.ResourceClaims {
		if !gpu[rc] {
			out = append(out, "resource claim "+rc)
		}
	}
	return out
}
