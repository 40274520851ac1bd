package audit

import (
	"regexp"
	"strings"

	resourcev1 "k8s.io/api/resource/v1"
)

// DRA holds the Dynamic Resource Allocation objects read
// (resource.k8s.io/v1): the claims and templates pods name, the classes
// their requests ask for, and the slices in which drivers publish devices.
type DRA struct {
	Claims         []resourcev1.ResourceClaim
	ClaimTemplates []resourcev1.ResourceClaimTemplate
	DeviceClasses  []resourcev1.DeviceClass
	Slices         []resourcev1.ResourceSlice
}

// GPU claim states: a claim the scheduler allocated devices to, or one
// that only says what it asks for (not yet allocated, or read from files).
const (
	ClaimAllocated = "allocated"
	ClaimRequested = "requested"
)

// GPUClaim says how a GPU reaches a pod through Dynamic Resource
// Allocation: which claim and request, the device class and driver, and
// what the allocated devices say of themselves.
type GPUClaim struct {
	// PodClaim is the entry's name in the pod's spec.resourceClaims.
	PodClaim string `json:"podClaim"`
	// Name is the ResourceClaim, when one exists (generated from a
	// template for a live pod, or named by the pod).
	Name string `json:"name,omitempty"`
	// Template is the ResourceClaimTemplate the claim is made from.
	Template    string `json:"template,omitempty"`
	Request     string `json:"request"`
	DeviceClass string `json:"deviceClass"`
	Driver      string `json:"driver,omitempty"`
	// State is "allocated" or "requested" (allocation unknown).
	State string `json:"state"`
	// AllDevices says the request asks for every matching device
	// (allocationMode All): the count is known only once allocated.
	AllDevices bool `json:"allDevices,omitempty"`
	// Devices are the allocated devices, "pool/device".
	Devices []string `json:"devices,omitempty"`
	// Node is the node the allocated devices sit on.
	Node string `json:"node,omitempty"`
	// DeviceType is the driver's type attribute (gpu.nvidia.com: gpu,
	// mig, vfio); Product, MIGProfile and DriverVersion its productName,
	// profile and driverVersion attributes.
	DeviceType    string `json:"deviceType,omitempty"`
	Product       string `json:"product,omitempty"`
	MIGProfile    string `json:"migProfile,omitempty"`
	DriverVersion string `json:"driverVersion,omitempty"`
}

// IsGPUDriver reports whether a DRA driver hands out GPUs: NVIDIA's
// gpu.nvidia.com and the other vendors' gpu.<vendor> drivers (not, say,
// NVIDIA's compute-domain.nvidia.com).
func IsGPUDriver(driver string) bool { return strings.HasPrefix(driver, "gpu.") }

// Attribute names of NVIDIA's k8s-dra-driver-gpu (cmd/gpu-kubelet-plugin
// deviceinfo.go, mig.go): unqualified in a slice, they belong to the
// driver's domain.
const (
	attrType          = "type"
	attrProduct       = "productName"
	attrProfile       = "profile"
	attrDriverVersion = "driverVersion"
)

// CEL fragments of device classes and request selectors that name a
// driver, a device type or a MIG profile, as NVIDIA's classes write them
// ("device.driver == 'gpu.nvidia.com' && device.attributes['gpu.nvidia.com'].type == 'mig'").
var (
	celDriver  = regexp.MustCompile(`device\.driver\s*==\s*["']([^"']+)["']`)
	celType    = regexp.MustCompile(`\.type\s*==\s*["']([^"']+)["']`)
	celProfile = regexp.MustCompile(`\.profile\s*==\s*["']([^"']+)["']`)
)

// draDevice is one published device and where it sits.
type draDevice struct {
	node  string
	attrs map[resourcev1.QualifiedName]resourcev1.DeviceAttribute
}

// draIndex resolves pods' claims to GPUs and counts nodes' DRA GPUs.
type draIndex struct {
	claims    map[string]*resourcev1.ResourceClaim // "namespace/name"
	generated map[string]*resourcev1.ResourceClaim // "podUID/podClaim"
	templates map[string]*resourcev1.ResourceClaimTemplate
	classes   map[string]*resourcev1.DeviceClass
	devices   map[string]draDevice // "driver/pool/device"
	// byNode lists each node's devices' keys in the slices' order.
	byNode map[string][]string
}

func newDRAIndex(d *DRA) *draIndex {
	if d == nil {
		return nil
	}
	ix := &draIndex{
		claims: map[string]*resourcev1.ResourceClaim{}, generated: map[string]*resourcev1.ResourceClaim{},
		templates: map[string]*resourcev1.ResourceClaimTemplate{}, classes: map[string]*resourcev1.DeviceClass{},
		devices: map[string]draDevice{}, byNode: map[string][]string{},
	}
	for i := range d.Claims {
		c := &d.Claims[i]
		ix.claims[c.Namespace+"/"+c.Name] = c
		// A claim made from a pod's template is owned by the pod and
		// names the pod's entry (the resourceclaim controller's doing).
		if pc := c.Annotations[resourcev1.PodResourceClaimAnnotation]; pc != "" {
			for _, o := range c.OwnerReferences {
				if o.Kind == "Pod" && o.Controller != nil && *o.Controller {
					ix.generated[string(o.UID)+"/"+pc] = c
				}
			}
		}
	}
	for i := range d.ClaimTemplates {
		t := &d.ClaimTemplates[i]
		ix.templates[t.Namespace+"/"+t.Name] = t
	}
	for i := range d.DeviceClasses {
		ix.classes[d.DeviceClasses[i].Name] = &d.DeviceClasses[i]
	}
	// A pool republished under a newer generation replaces its older
	// slices.
	newest := map[string]int64{}
	for i := range d.Slices {
		s := &d.Slices[i].Spec
		k := s.Driver + "/" + s.Pool.Name
		newest[k] = max(newest[k], s.Pool.Generation)
	}
	for i := range d.Slices {
		s := &d.Slices[i].Spec
		if s.Pool.Generation < newest[s.Driver+"/"+s.Pool.Name] {
			continue
		}
		for _, dev := range s.Devices {
			node := deref(s.NodeName)
			if dev.NodeName != nil {
				node = *dev.NodeName
			}
			k := s.Driver + "/" + s.Pool.Name + "/" + dev.Name
			if _, seen := ix.devices[k]; !seen && node != "" {
				ix.byNode[node] = append(ix.byNode[node], k)
			}
			ix.devices[k] = draDevice{node: node, attrs: dev.Attributes}
		}
	}
	return ix
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// attr reads a device attribute, unqualified or in the driver's domain,
// as a string.
func (d draDevice) attr(driver, name string) string {
	a, ok := d.attrs[resourcev1.QualifiedName(name)]
	if !ok {
		a, ok = d.attrs[resourcev1.QualifiedName(driver+"/"+name)]
	}
	switch {
	case !ok:
		return ""
	case a.StringValue != nil:
		return *a.StringValue
	case a.VersionValue != nil:
		return *a.VersionValue
	}
	return ""
}
