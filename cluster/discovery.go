package cluster

import (
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// servedSet is what discovery said each group version serves: the
// resources' names, none for a group version it does not serve (or
// could not say).
type servedSet map[schema.GroupVersion]map[string]bool

// discover asks discovery about every group version the live audit may
// read at once (the pools', each custom kind's versions, DRA's): one
// round trip instead of one per group version in turn.
func discover(c *Clients) servedSet {
	var gvs []schema.GroupVersion
	seen := map[schema.GroupVersion]bool{}
	add := func(gvr schema.GroupVersionResource) {
		if gv := gvr.GroupVersion(); !seen[gv] {
			seen[gv] = true
			gvs = append(gvs, gv)
		}
	}
	for _, r := range []readable{resInferencePools, resInferencePoolsA, resClaims, resClaimTmpls, resDeviceClasses, resSlices} {
		add(r.gvr)
	}
	for _, k := range customKinds() {
		for _, gvr := range k.GVRs() {
			add(gvr)
		}
	}
	lists := make([]map[string]bool, len(gvs))
	var wg sync.WaitGroup
	for i, gv := range gvs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := c.Discovery.ServerResourcesForGroupVersion(gv.String())
			if err != nil {
				return
			}
			names := make(map[string]bool, len(l.APIResources))
			for _, r := range l.APIResources {
				names[r.Name] = true
			}
			lists[i] = names
		}()
	}
	wg.Wait()
	out := make(servedSet, len(gvs))
	for i, gv := range gvs {
		out[gv] = lists[i]
	}
	return out
}

// serves says whether discovery listed the resource.
func (s servedSet) serves(gvr schema.GroupVersionResource) bool {
	return s[gvr.GroupVersion()][gvr.Resource]
}

// customsServed are the readables of the custom kinds the cluster
// serves, each in the first of its versions discovery lists. A kind
// whose CRD is not installed is left out without a word: most clusters
// run few of the field's operators.
func (s servedSet) customsServed() []readable {
	var out []readable
	for _, k := range customKinds() {
		for _, gvr := range k.GVRs() {
			if s.serves(gvr) {
				out = append(out, readable{gvr: gvr, namespaced: k.Namespaced, loss: k.Watch.Loss, kind: k})
				break
			}
		}
	}
	return out
}

// draServed are the DRA resources the server serves.
func (s servedSet) draServed() []readable {
	var out []readable
	for _, r := range []readable{resClaims, resClaimTmpls, resDeviceClasses, resSlices} {
		if s.serves(r.gvr) {
			out = append(out, r)
		}
	}
	return out
}
