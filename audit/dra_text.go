package audit

import (
	"strconv"
	"strings"
)

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
