package remediate

import (
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/types"
)

// HoldOptions are the held-back changes the person asked to include.
type HoldOptions struct {
	// AllowPending includes runtime changes whose pods would stay Pending
	// until a node can run the class (--allow-pending).
	AllowPending bool
	// AllowEgressGaps includes egress policies that would cut the pods off
	// from addresses their configuration names (--allow-egress-gaps).
	AllowEgressGaps bool
}

// IncludePending is the flag that includes the Pending runtime changes;
// IncludeEgressGaps the one that includes incomplete egress policies.
const (
	IncludePending    = "--allow-pending"
	IncludeEgressGaps = "--allow-egress-gaps"
)

// Held is a fix a run does not apply, with why.
type Held struct {
	Fix Fix
	// Index is the fix's place in the result's Fixes.
	Index  int
	Reason string
	// Include is the flag that would include it, or "" when none does (a
	// pod spec that cannot change in place).
	Include string
}

// Plan is what a run applies and what it holds back. It is computed once
// from a result, and the patch script and --apply both render it, so
// that they change the same objects.
type Plan struct {
	// Go are the fixes applied, in the result's order.
	Go []Fix
	// Held are the fixes held back, in the result's order.
	Held []Held
	// Changes are the per-target changes of the fixes that go ahead, in
	// the result's order: the result's own change when none of the
	// target's fixes is held back, else the rest merged (a custom
	// resource's JSON patches one after the other, its Patch left
	// empty). Targets that must be recreated have none.
	Changes []Change
}

// Hold splits a result into what goes ahead and what is held back:
//   - a fix of a pod or a Job, whose pod spec cannot change in place;
//   - a runtime change whose pods would stay Pending, unless AllowPending;
//   - an egress policy that would cut the pods off from an address their
//     configuration names, unless AllowEgressGaps;
//   - a RuntimeClass to create that only held-back changes would use.
func Hold(res *Result, o HoldOptions) (*Plan, error) {
	p := &Plan{}
	reasons := make([]Held, len(res.Fixes))
	for i, f := range res.Fixes {
		switch {
		case f.Recreate:
			reasons[i] = Held{Reason: "a " + f.Target.Kind + "'s pod spec cannot change in place: recreate it from its manifest with the change (tiergate fix -f FILE -o manifests writes it in)"}
		case f.Pending && !o.AllowPending:
			reasons[i] = Held{Reason: "its pods would stay Pending until a node can run RuntimeClass " + f.RuntimeClass, Include: IncludePending}
		case len(f.CutsOff) > 0 && !o.AllowEgressGaps:
			// A fix must not break the workload: a policy that cuts an
			// agent off its model waits for the person to fill it in.
			reasons[i] = Held{Reason: "applied as it is, it cuts the pods off from " + strings.Join(f.CutsOff, ", ") +
				": fill in its allow-list (the manifest lists what to add) and apply that", Include: IncludeEgressGaps}
		}
	}
	// A class to create is held back when every change that names it is.
	for i, f := range res.Fixes {
		if f.Kind != KindNewRuntimeClass {
			continue
		}
		var users, held int
		include := ""
		for j, u := range res.Fixes {
			if u.Kind == KindRuntime && u.RuntimeClass == f.RuntimeClass {
				users++
				if reasons[j].Reason != "" {
					held++
					include = reasons[j].Include
				}
			}
		}
		if users > 0 && held == users {
			reasons[i] = Held{Reason: "only held-back changes would use it", Include: include}
		}
	}
	heldOf := map[Target]int{}
	for i, f := range res.Fixes {
		if reasons[i].Reason != "" {
			reasons[i].Fix, reasons[i].Index = f, i
			p.Held = append(p.Held, reasons[i])
			heldOf[f.Target]++
			continue
		}
		p.Go = append(p.Go, f)
	}
	for _, c := range res.Changes {
		switch {
		case c.Recreate:
			continue
		case heldOf[c.Target] == 0:
			p.Changes = append(p.Changes, c)
			continue
		}
		merged, ok, err := changeOf(c, p.Go)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Target, err)
		}
		if ok {
			p.Changes = append(p.Changes, merged)
		}
	}
	return p, nil
}

// changeOf merges the patches of the fixes of c's target that go ahead,
// as the script runs them one after the other; ok is false when none do.
func changeOf(c Change, fixes []Fix) (Change, bool, error) {
	out := Change{Target: c.Target, PatchType: c.PatchType}
	var merged map[string]any
	var ops []json.RawMessage
	n := 0
	for _, f := range fixes {
		if f.Target != c.Target || f.Object != nil {
			continue
		}
		n++
		if f.PatchType == types.JSONPatchType {
			var o []json.RawMessage
			if err := json.Unmarshal(f.Patch, &o); err != nil {
				return out, false, err
			}
			ops = append(ops, o...)
			continue
		}
		var err error
		if merged, err = mergeNested(merged, f.Patch); err != nil {
			return out, false, err
		}
	}
	if n == 0 {
		return out, false, nil
	}
	var err error
	if c.PatchType == types.JSONPatchType {
		out.JSONPatch, err = json.Marshal(ops)
	} else {
		out.Patch, err = json.Marshal(merged)
	}
	return out, true, err
}
