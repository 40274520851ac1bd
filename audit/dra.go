package audit

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
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

// podGPUs lists the GPUs a pod template's claims give it: those of the
// allocated claim where it is known, else what the claim or its template
// requests. A workload's UID finds the claims made for a live pod.
func (ix *draIndex) podGPUs(w *Workload, t *PodTemplate) []GPU {
	if ix == nil || t.Spec == nil {
		return nil
	}
	var out []GPU
	for _, pc := range t.Spec.ResourceClaims {
		var claim *resourcev1.ResourceClaim
		var tmpl *resourcev1.ResourceClaimTemplate
		switch {
		case pc.ResourceClaimName != nil:
			claim = ix.claims[w.Namespace+"/"+*pc.ResourceClaimName]
		case pc.ResourceClaimTemplateName != nil:
			if w.UID != "" {
				claim = ix.generated[w.UID+"/"+pc.Name]
			}
			tmpl = ix.templates[w.Namespace+"/"+*pc.ResourceClaimTemplateName]
		}
		base := GPUClaim{PodClaim: pc.Name}
		if pc.ResourceClaimTemplateName != nil {
			base.Template = *pc.ResourceClaimTemplateName
		}
		switch {
		case claim != nil:
			base.Name = claim.Name
			if claim.Status.Allocation != nil {
				out = append(out, ix.allocated(base, claim)...)
			} else {
				out = append(out, ix.requested(base, &claim.Spec)...)
			}
		case tmpl != nil:
			out = append(out, ix.requested(base, &tmpl.Spec.Spec)...)
		}
	}
	return out
}

// requested lists the GPU requests of a claim's spec; of a request with
// alternatives (firstAvailable), the first one says it.
func (ix *draIndex) requested(base GPUClaim, spec *resourcev1.ResourceClaimSpec) []GPU {
	var out []GPU
	for _, req := range spec.Devices.Requests {
		var class string
		var mode resourcev1.DeviceAllocationMode
		var count int64
		var selectors []resourcev1.DeviceSelector
		switch {
		case req.Exactly != nil:
			class, mode, count, selectors = req.Exactly.DeviceClassName, req.Exactly.AllocationMode, req.Exactly.Count, req.Exactly.Selectors
		case len(req.FirstAvailable) > 0:
			sub := req.FirstAvailable[0]
			class, mode, count, selectors = sub.DeviceClassName, sub.AllocationMode, sub.Count, sub.Selectors
		default:
			continue
		}
		driver, typ, gpu := ix.classGPU(class)
		if !gpu {
			continue
		}
		c := base
		c.Request, c.DeviceClass, c.Driver, c.DeviceType, c.State = req.Name, class, driver, typ, ClaimRequested
		for _, s := range selectors {
			if s.CEL == nil {
				continue
			}
			if m := celProfile.FindStringSubmatch(s.CEL.Expression); m != nil {
				c.MIGProfile = m[1]
			}
			if m := celType.FindStringSubmatch(s.CEL.Expression); m != nil && c.DeviceType == "" {
				c.DeviceType = m[1]
			}
		}
		if mode == resourcev1.DeviceAllocationModeAll {
			c.AllDevices, count = true, 0
		} else if count == 0 {
			count = 1 // ExactCount's default
		}
		out = append(out, GPU{Resource: class, Count: count, Claim: &c})
	}
	return out
}

// classGPU says which driver and device type a device class selects, and
// whether its devices are GPUs: by its selectors' driver, its extended
// resource name, or, for a class not in the input, its name (NVIDIA's
// gpu.nvidia.com, mig.nvidia.com, vfio.gpu.nvidia.com).
func (ix *draIndex) classGPU(name string) (driver, typ string, gpu bool) {
	if dc := ix.classes[name]; dc != nil {
		for _, s := range dc.Spec.Selectors {
			if s.CEL == nil {
				continue
			}
			if m := celDriver.FindStringSubmatch(s.CEL.Expression); m != nil {
				driver = m[1]
			}
			if m := celType.FindStringSubmatch(s.CEL.Expression); m != nil {
				typ = m[1]
			}
		}
		if driver != "" {
			return driver, typ, IsGPUDriver(driver)
		}
		if dc.Spec.ExtendedResourceName != nil && IsGPUResource(corev1.ResourceName(*dc.Spec.ExtendedResourceName)) {
			return "", typ, true
		}
	}
	if typ, ok := nvidiaClasses[name]; ok {
		return "gpu.nvidia.com", typ, true
	}
	if IsGPUDriver(name) {
		return name, "", true
	}
	return "", "", false
}

// nvidiaClasses are the device classes NVIDIA's DRA driver installs and
// the device type each selects (deployments/helm/dra-driver-nvidia-gpu/
// templates/deviceclass-*.yaml).
var nvidiaClasses = map[string]string{"gpu.nvidia.com": "gpu", "mig.nvidia.com": "mig", "vfio.gpu.nvidia.com": "vfio"}

// allocated lists, per request, the GPU devices allocated to a claim,
// with what each device's attributes say.
func (ix *draIndex) allocated(base GPUClaim, claim *resourcev1.ResourceClaim) []GPU {
	byRequest := map[string]*GPU{}
	var order []string
	for _, res := range claim.Status.Allocation.Devices.Results {
		if !IsGPUDriver(res.Driver) {
			continue
		}
		// A request with alternatives is allocated as "request/sub".
		req, sub, _ := strings.Cut(res.Request, "/")
		g := byRequest[req]
		if g == nil {
			c := base
			c.Request, c.Driver, c.State = req, res.Driver, ClaimAllocated
			c.DeviceClass = requestClass(&claim.Spec, req, sub)
			g = &GPU{Resource: c.DeviceClass, Claim: &c}
			byRequest[req] = g
			order = append(order, req)
		}
		g.Count++
		c := g.Claim
		c.Devices = append(c.Devices, res.Pool+"/"+res.Device)
		dev, known := ix.devices[res.Driver+"/"+res.Pool+"/"+res.Device]
		if !known {
			continue
		}
		c.Node = joinDistinct(c.Node, dev.node)
		c.DeviceType = joinDistinct(c.DeviceType, dev.attr(res.Driver, attrType))
		c.Product = joinDistinct(c.Product, dev.attr(res.Driver, attrProduct))
		c.MIGProfile = joinDistinct(c.MIGProfile, dev.attr(res.Driver, attrProfile))
		c.DriverVersion = joinDistinct(c.DriverVersion, dev.attr(res.Driver, attrDriverVersion))
	}
	out := make([]GPU, len(order))
	for i, r := range order {
		out[i] = *byRequest[r]
	}
	return out
}

// requestClass is the device class a request (or its chosen alternative)
// asked for.
func requestClass(spec *resourcev1.ResourceClaimSpec, req, sub string) string {
	for _, r := range spec.Devices.Requests {
		if r.Name != req {
			continue
		}
		if r.Exactly != nil {
			return r.Exactly.DeviceClassName
		}
		for _, s := range r.FirstAvailable {
			if s.Name == sub {
				return s.DeviceClassName
			}
		}
	}
	return ""
}

// joinDistinct adds v to a comma-separated list unless empty or there.
func joinDistinct(list, v string) string {
	if v == "" || list == v || strings.HasPrefix(list, v+",") || strings.HasSuffix(list, ","+v) || strings.Contains(list, ","+v+",") {
		return list
	}
	if list == "" {
		return v
	}
	return list + "," + v
}

// nodeGPUs lists a node's DRA GPU devices by driver and type (NVIDIA
// publishes whole GPUs and MIG devices side by side): how many there
// are and how many claims hold; and the products the devices name.
func (ix *draIndex) nodeGPUs(node string, held map[string]bool) ([]NodeGPU, string) {
	if ix == nil {
		return nil, ""
	}
	byRes := map[string]*NodeGPU{}
	var products string
	for _, k := range ix.byNode[node] {
		dev := ix.devices[k]
		driver, _, _ := strings.Cut(k, "/")
		if !IsGPUDriver(driver) {
			continue
		}
		res := driver
		if typ := dev.attr(driver, attrType); typ != "" {
			res += "/" + typ
		}
		g := byRes[res]
		if g == nil {
			g = &NodeGPU{Resource: res, DRA: true}
			byRes[res] = g
		}
		g.Capacity++
		g.Allocatable++
		if held[k] {
			g.Allocated++
		}
		products = joinDistinct(products, dev.attr(driver, attrProduct))
	}
	out := make([]NodeGPU, 0, len(byRes))
	for _, g := range byRes {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Resource < out[j].Resource })
	return out, products
}

// heldDevices are the devices allocated to some claim, each once however
// many claims share it.
func (ix *draIndex) heldDevices() map[string]bool {
	if ix == nil {
		return nil
	}
	held := map[string]bool{}
	for _, c := range ix.claims {
		if c.Status.Allocation == nil {
			continue
		}
		for _, r := range c.Status.Allocation.Devices.Results {
			held[r.Driver+"/"+r.Pool+"/"+r.Device] = true
		}
	}
	return held
}

// DRAName names a GPU through a claim briefly, for a column: its MIG
// profile where known ("mig-1g.10gb"), else its device type ("gpu",
// "vfio"), else its device class; "" for an extended resource.
func (g GPU) DRAName() string {
	switch c := g.Claim; {
	case c == nil:
		return ""
	case c.MIGProfile != "":
		return "mig-" + c.MIGProfile
	case c.DeviceType != "":
		return c.DeviceType
	}
	return g.Resource
}

// CountText is the count as a column says it: "all" for a request of
// every matching device not yet allocated.
func (g GPU) CountText() string {
	if g.Claim != nil && g.Claim.AllDevices {
		return "all"
	}
	return strconv.FormatInt(g.Count, 10)
}

// DRAText says in one line how a GPU reaches the pod through a claim:
// "claim gpu (vllm-0-gpu-x7k2p from template single-gpu): 1 × gpu.nvidia.com
// allocated — NVIDIA H100 80GB HBM3, driver 570.124.6, on node gpu-a";
// "" for an extended resource.
func (g GPU) DRAText() string {
	c := g.Claim
	if c == nil {
		return ""
	}
	var from []string
	if c.Name != "" {
		from = append(from, c.Name)
	}
	if c.Template != "" {
		from = append(from, "from template "+c.Template)
	}
	s := "claim " + c.PodClaim
	if len(from) > 0 {
		s += " (" + strings.Join(from, " ") + ")"
	}
	s += ": " + g.CountText() + " × " + g.Resource + " " + c.State
	var facts []string
	if c.Product != "" {
		facts = append(facts, c.Product)
	}
	if c.MIGProfile != "" {
		facts = append(facts, "MIG "+c.MIGProfile)
	} else if c.DeviceType != "" {
		facts = append(facts, c.DeviceType)
	}
	if c.DriverVersion != "" {
		facts = append(facts, "driver "+c.DriverVersion)
	}
	if c.Node != "" {
		facts = append(facts, "on node "+c.Node)
	}
	if len(facts) > 0 {
		s += " — " + strings.Join(facts, ", ")
	}
	return s
}

// anyGPU says whether any of a workload's templates gets a GPU through a
// claim (allocated or requested).
func (ix *draIndex) anyGPU(w *Workload) bool {
	if ix == nil {
		return false
	}
	for i := range w.Templates {
		if len(ix.podGPUs(w, &w.Templates[i])) > 0 {
			return true
		}
	}
	return false
}
