package audit

import (
	"strconv"

	"github.com/tiergate/tiergate/kinds"
)

// Launched counts the sandboxes running from a SandboxTemplate: those its
// warm pools hold and those claims took (from a pool, or made from the
// template themselves). A sandbox is its pod, or the Sandbox object when
// it has none and its pool or claim is not read.
type Launched struct {
	Sandboxes int `json:"sandboxes"`
	// Warm are in a warm pool, not yet claimed.
	Warm int `json:"warm"`
	// Claimed left the pool for a claim, or a claim made them.
	Claimed int `json:"claimed"`
	// Stale are warm ones made from an older version of the template
	// whose isolation differs from the template's now (TG-ISO-006).
	Stale int `json:"stale,omitempty"`
}

// warmIndex finds a sandbox's warm pool and counts what templates launch.
type warmIndex struct {
	byName map[string]*WarmPool // "namespace/name"
	byHash map[string]*WarmPool // "namespace/NameHash(name)"
	// ws are the audit's workloads, counted at the first template's
	// result (counted): an audit without templates never walks them.
	ws      []Workload
	counted bool
	// launched is by "namespace/NameHash(template)".
	launched map[string]*Launched
}

func newWarmIndex(inv *Inventory) *warmIndex {
	wx := &warmIndex{ws: inv.Workloads}
	if len(inv.WarmPools) > 0 {
		wx.byName = make(map[string]*WarmPool, len(inv.WarmPools))
		wx.byHash = make(map[string]*WarmPool, len(inv.WarmPools))
		for i := range inv.WarmPools {
			p := &inv.WarmPools[i]
			wx.byName[p.Namespace+"/"+p.Name] = p
			wx.byHash[p.Namespace+"/"+NameHash(p.Name)] = p
		}
	}
	return wx
}

// sandboxLike says the workload is a sandbox: its pod, or a Sandbox
// object no pod runs from.
func sandboxLike(w *Workload) bool {
	return w.Kind == kinds.Pod.Kind || isKind(w.APIVersion, w.Kind, kinds.Sandbox)
}

// poolOf is the warm pool that holds a sandbox, nil when none does (a
// claim took it, or it is no pool's).
func (wx *warmIndex) poolOf(w *Workload) *WarmPool {
	if wx.byName == nil || !sandboxLike(w) {
		return nil
	}
	owners := w.Owners
	if len(owners) == 0 && w.Owner != nil {
		owners = []Owner{*w.Owner}
	}
	for _, o := range owners {
		switch {
		case isKind(o.APIVersion, o.Kind, kinds.SandboxClaim):
			return nil
		case isKind(o.APIVersion, o.Kind, kinds.SandboxWarmPool):
			return wx.byName[w.Namespace+"/"+o.Name]
		}
	}
	// The chain may stop at the Sandbox (not read): the pool's label.
	if h := w.Labels[warmPoolLabel]; h != "" {
		return wx.byHash[w.Namespace+"/"+h]
	}
	return nil
}

// stale is a warm sandbox's pool and how its isolation differs from the
// pool's template now; nil when it does not, when the template is not in
// the input, or when the pool's Recreate strategy replaces it anyway.
func (wx *warmIndex) stale(w *Workload) (*WarmPool, []string) {
	p := wx.poolOf(w)
	if p == nil || p.strategy() == strategyRecreate || p.Current == nil || p.Current.Spec == nil {
		return nil, nil
	}
	if len(w.Templates) == 0 || w.Templates[0].Spec == nil {
		return nil, nil
	}
	if d := isolationDiffs(w.Templates[0].Spec, p.Current.Spec); len(d) > 0 {
		return p, d
	}
	return nil, nil
}

// count counts the sandboxes each template launched, by the template's
// name hash the controllers put on them or, where a pod lacks it, its
// pool's template.
func (wx *warmIndex) count(ws []Workload) {
	seen := map[string]bool{}
	for i := range ws {
		w := &ws[i]
		if !sandboxLike(w) {
			continue
		}
		pool := wx.poolOf(w)
		h := w.Labels[templateRefLabel]
		if h == "" && pool != nil && pool.Template != "" {
			h = NameHash(pool.Template)
		}
		if h == "" {
			continue
		}
		name := w.Name
		if w.Kind == kinds.Pod.Kind && w.Owner != nil && isKind(w.Owner.APIVersion, w.Owner.Kind, kinds.Sandbox) {
			name = w.Owner.Name
		}
		id := w.Namespace + "/" + name
		if seen[id] {
			continue
		}
		seen[id] = true
		if wx.launched == nil {
			wx.launched = map[string]*Launched{}
		}
		key := w.Namespace + "/" + h
		l := wx.launched[key]
		if l == nil {
			l = &Launched{}
			wx.launched[key] = l
		}
		l.Sandboxes++
		if pool == nil {
			l.Claimed++
			continue
		}
		l.Warm++
		if p, _ := wx.stale(w); p != nil {
			l.Stale++
		}
	}
}

// launchedFrom is what a template launched; nil for any other kind.
func (wx *warmIndex) launchedFrom(w *Workload) *Launched {
	if w.Kind == kinds.Pod.Kind {
		return nil
	}
	if k, ok := kinds.ForAPIVersion(w.APIVersion, w.Kind); !ok || !k.TemplateOnly {
		return nil
	}
	if !wx.counted {
		wx.count(wx.ws)
		wx.counted = true
	}
	l := Launched{}
	if got := wx.launched[w.Namespace+"/"+NameHash(w.Name)]; got != nil {
		l = *got
	}
	return &l
}

// Clause says what a template launched, for the end of a sentence about
// it: "; 5 sandboxes run from it now: 3 warm in its pools (1 stale), 2
// claimed"; "" for a nil count.
// StatusText is a template's status with what runs from it ("Template:
// 5 sandboxes"), for a STATUS cell with room for words.
func (l *Launched) StatusText() string {
	if l == nil || l.Sandboxes == 0 {
		return StatusTemplate
	}
	return StatusTemplate + ": " + strconv.Itoa(l.Sandboxes) + " " + plural(l.Sandboxes, "sandbox", "sandboxes")
}

func (l *Launched) Clause() string {
	if l == nil {
		return ""
	}
	if l.Sandboxes == 0 {
		return "; no sandbox runs from it now"
	}
	out := "; " + strconv.Itoa(l.Sandboxes) + " " + plural(l.Sandboxes, "sandbox runs", "sandboxes run") + " from it now: " + strconv.Itoa(l.Warm) + " warm in its pools"
	if l.Stale > 0 {
		out += " (" + strconv.Itoa(l.Stale) + " stale)"
	}
	return out + ", " + strconv.Itoa(l.Claimed) + " claimed"
}
