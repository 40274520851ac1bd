package cluster

import (
	"context"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"

	"github.com/tiergate/tiergate/internal/textutil"
)

// servedSet is what discovery said each group version serves: the
// resources' names, none for a group version it does not serve (or
// could not say).
type servedSet map[schema.GroupVersion]map[string]bool

// unknownSet are the group versions discovery could not say anything
// of (an error other than 404 Not Found: an aggregated API that is
// down, a timeout, a refusal), each with its error: what they may serve
// is a gap, not a resource the cluster lacks.
type unknownSet map[schema.GroupVersion]error

// discover asks discovery about every group version the live audit may
// read at once (the pools', each custom kind's versions, DRA's): one
// round trip instead of one per group version in turn, within ctx (a
// group version that does not answer in time is unknown).
func discover(ctx context.Context, c *Clients) (servedSet, unknownSet) {
	disc := discovery.ToDiscoveryInterfaceWithContext(c.Discovery)
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
	errs := make([]error, len(gvs))
	var wg sync.WaitGroup
	for i, gv := range gvs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := disc.ServerResourcesForGroupVersionWithContext(ctx, gv.String())
			if err != nil {
				if !apierrors.IsNotFound(err) {
					errs[i] = err
				}
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
	unknown := unknownSet{}
	for i, gv := range gvs {
		out[gv] = lists[i]
		if errs[i] != nil {
			unknown[gv] = errs[i]
		}
	}
	return out, unknown
}

// gap is the gap of a resource served in one of gvrs (its versions, the
// first named) when discovery served none of them and could not answer
// for one: ok is false when there is nothing to say.
func (u unknownSet) gap(served servedSet, r readable, gvrs ...schema.GroupVersionResource) (Gap, bool) {
	var err error
	for _, gvr := range gvrs {
		if served.serves(gvr) {
			return Gap{}, false
		}
		if e := u[gvr.GroupVersion()]; e != nil && err == nil {
			err = e
		}
	}
	if err == nil {
		return Gap{}, false
	}
	return Gap{Resource: r.name(), Scope: "discovery failed: " + textutil.OneLine(err.Error()), Loss: r.loss, reason: "unsynced"}, true
}

// gaps are what discovery could not say about the resources the live
// audit reads when served: the pools, each custom kind, DRA's.
func (u unknownSet) gaps(served servedSet) []Gap {
	var out []Gap
	add := func(g Gap, ok bool) {
		if ok {
			out = append(out, g)
		}
	}
	add(u.gap(served, resInferencePools, resInferencePools.gvr, resInferencePoolsA.gvr))
	for _, k := range customKinds() {
		gvrs := k.GVRs()
		if len(gvrs) > 0 {
			add(u.gap(served, readable{gvr: gvrs[0], namespaced: k.Namespaced, loss: k.Watch.Loss}, gvrs...))
		}
	}
	for _, r := range []readable{resClaims, resClaimTmpls, resDeviceClasses, resSlices} {
		add(u.gap(served, r, r.gvr))
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
