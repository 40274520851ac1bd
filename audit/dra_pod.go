package audit

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	resourcev1 "k8s.io/api/resource/v1"
)

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
