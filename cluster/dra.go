package cluster

import (
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"

	"github.com/tiergate/tiergate/audit"
)

// Dynamic Resource Allocation's objects (resource.k8s.io/v1): the claims
// pods name and the slices drivers publish, which the audit resolves to
// pods' GPUs and nodes' GPU allocation. Each is optional: discovery says
// whether the server serves it, access whether the user may read it.
var (
	draLoss          = "GPUs allocated through Dynamic Resource Allocation not counted"
	resClaims        = readable{gvr: draGVR("resourceclaims"), namespaced: true, loss: draLoss + " (pods' claims unknown)"}
	resClaimTmpls    = readable{gvr: draGVR("resourceclaimtemplates"), namespaced: true, loss: draLoss + " for pods not yet given a claim"}
	resDeviceClasses = readable{gvr: draGVR("deviceclasses"), namespaced: false, loss: "DRA GPU requests judged by their class's name only"}
	resSlices        = readable{gvr: draGVR("resourceslices"), namespaced: false, loss: "nodes' DRA GPUs and their attributes (product, MIG profile) unknown"}
)

func draGVR(resource string) schema.GroupVersionResource {
	return resourcev1.SchemeGroupVersion.WithResource(resource)
}

// setupDRA registers the DRA informers the user may read, each with
// stripDRA as its transform.
func (s *Source) setupDRA(add func(readable, func() (cache.SharedIndexInformer, error)) *watched) {
	for _, r := range []readable{resClaims, resClaimTmpls, resDeviceClasses, resSlices} {
		w := add(r, func() (cache.SharedIndexInformer, error) {
			gi, err := s.factory.ForResource(r.gvr)
			if err != nil {
				return nil, err
			}
			inf := gi.Informer()
			return inf, inf.SetTransform(stripDRA)
		})
		if w != nil {
			s.dra = append(s.dra, w)
		}
	}
}

// stripDRA keeps of DRA objects what the audit reads: a claim's requests
// and allocation results, a slice's pool, node and devices' attributes.
// Opaque driver configuration, per-device status data, device capacities
// and counters are dropped: a node's slices can be large.
func stripDRA(obj any) (any, error) {
	obj, err := strip(obj) // managed fields, kubectl's last-applied copy
	if err != nil {
		return obj, err
	}
	switch o := obj.(type) {
	case *resourcev1.ResourceClaim:
		o.Labels = nil
		o.Spec.Devices.Config, o.Spec.Devices.Constraints = nil, nil
		o.Status.Devices, o.Status.ReservedFor = nil, nil
		if a := o.Status.Allocation; a != nil {
			a.Devices.Config = nil
		}
	case *resourcev1.ResourceClaimTemplate:
		o.Labels, o.Annotations = nil, nil
		o.Spec.Spec.Devices.Config, o.Spec.Spec.Devices.Constraints = nil, nil
	case *resourcev1.DeviceClass:
		o.Labels, o.Annotations = nil, nil
		o.Spec.Config = nil
	case *resourcev1.ResourceSlice:
		o.Labels, o.Annotations = nil, nil
		o.Spec.SharedCounters, o.Spec.NodeSelector = nil, nil
		for i := range o.Spec.Devices {
			d := &o.Spec.Devices[i]
			d.Capacity, d.ConsumesCounters, d.Taints, d.NodeSelector = nil, nil, nil, nil
		}
	}
	return obj, nil
}

// draOf gathers the DRA objects read, nil when none could be.
func draOf(ls []*listing) *audit.DRA {
	if len(ls) == 0 {
		return nil
	}
	d := &audit.DRA{}
	for _, l := range ls {
		for _, o := range l.items() {
			switch o := o.(type) {
			case *resourcev1.ResourceClaim:
				d.Claims = append(d.Claims, *o)
			case *resourcev1.ResourceClaimTemplate:
				d.ClaimTemplates = append(d.ClaimTemplates, *o)
			case *resourcev1.DeviceClass:
				d.DeviceClasses = append(d.DeviceClasses, *o)
			case *resourcev1.ResourceSlice:
				d.Slices = append(d.Slices, *o)
			}
		}
	}
	return d
}
