package audit

import (
	"sort"
	"strings"
)

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

// gpuFacts fills a node's GPU facts from its DRA GPU devices where its
// labels say nothing: that it has GPUs, their driver version (NVIDIA's
// driverVersion attribute), and whether they are whole GPUs for
// containers or VFIO-bound ones for VMs.
func (ix *draIndex) gpuFacts(node string, f *nodeGPUFacts) {
	if ix == nil {
		return
	}
	for _, k := range ix.byNode[node] {
		dev := ix.devices[k]
		driver, _, _ := strings.Cut(k, "/")
		if !IsGPUDriver(driver) {
			continue
		}
		f.has = true
		switch dev.attr(driver, attrType) {
		case "", "gpu":
			f.draWhole = true
		case "vfio":
			f.draVFIO = true
		}
		if v := dev.attr(driver, attrDriverVersion); f.driver == "" && v != "" {
			f.driver = v
			f.version, f.parsed = parseDriver(v)
		}
	}
}
