package policy

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
)

// GVisorDriverRelease is the gVisor release whose nvproxy driver ABI
// table (pkg/sentry/devices/nvproxy/version.go, the versions registered
// with addDriverABI; those registered with addUnsupportedDriverABI need
// runsc's --nvproxy-allow-unsupported-driver) gives the default list.
const GVisorDriverRelease = "release-20260817.0 (commit 50e1502a95d36ad2faf2c7ef33b8bf21fe975293)"

// gvisorDriverVersions is that release's list, oldest first.
func gvisorDriverVersions() []string {
	return []string{
		"535.129.03", "535.183.06", "535.247.01", "535.261.03", "535.274.02", "535.288.01", "535.309.01",
		"550.90.12",
		"570.124.06", "570.133.20", "570.172.08", "570.195.03",
		"580.65.06", "580.105.08", "580.126.09", "580.126.20", "580.159.03", "580.159.04", "580.173.02",
		"590.48.01",
		"610.57.04",
		"615.15.00", "615.62.00",
		"620.06.00",
	}
}

// vfioGPUResources are the resources NVIDIA's Kata sandbox device plugin
// advertises for VFIO passthrough: whole GPUs as nvidia.com/pgpu (its
// default alias), NVSwitches as nvidia.com/nvswitch, and, with the alias
// turned off (P_GPU_ALIAS=""), model names such as
// nvidia.com/GH100_H100L_94GB, which no host device plugin resource
// (nvidia.com/gpu, nvidia.com/mig-1g.10gb, nvidia.com/gpu.shared) looks like.
func vfioGPUResources() []string {
	return []string{"nvidia.com/pgpu", "nvidia.com/nvswitch", "nvidia.com/*_*"}
}

// DriverVersion is an NVIDIA driver version, compared the way nvproxy
// compares them: by number, so that 580.65.06 is older than 580.105.08
// and 620.06 equals 620.6.0.
type DriverVersion struct{ Major, Minor, Patch int }

// ParseDriverVersion reads "580.105.08" or "620.06".
func ParseDriverVersion(s string) (DriverVersion, error) {
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) < 2 || len(parts) > 3 {
		return DriverVersion{}, fmt.Errorf("%q is not a driver version (major.minor[.patch])", s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return DriverVersion{}, fmt.Errorf("%q is not a driver version (major.minor[.patch])", s)
		}
		n[i] = v
	}
	return DriverVersion{n[0], n[1], n[2]}, nil
}

// String writes the version as gVisor and nvidia-smi do: 580.65.06.
func (v DriverVersion) String() string {
	return fmt.Sprintf("%d.%02d.%02d", v.Major, v.Minor, v.Patch)
}

// Compare orders versions: negative when v is older than o.
func (v DriverVersion) Compare(o DriverVersion) int {
	if v.Major != o.Major {
		return v.Major - o.Major
	}
	if v.Minor != o.Minor {
		return v.Minor - o.Minor
	}
	return v.Patch - o.Patch
}

// compileGPUReach checks the GPU reach table and returns the driver list
// parsed and sorted.
func compileGPUReach(p *Policy, bad func(string, ...any)) []DriverVersion {
	var out []DriverVersion
	for i, s := range p.GVisorDriverVersions {
		v, err := ParseDriverVersion(s)
		if err != nil {
			bad("gvisorDriverVersions[%d]: %v", i, err)
			continue
		}
		out = append(out, v)
	}
	slices.SortFunc(out, DriverVersion.Compare)
	for i, g := range p.VFIOGPUResources {
		if _, err := path.Match(g, ""); err != nil || g == "" {
			bad("vfioGPUResources[%d]: bad glob %q", i, g)
		}
	}
	return out
}

// GVisorDriver says whether nvproxy accepts a node's driver version. When
// it does not, nearest holds the supported versions closest to it: the
// newest older one and the oldest newer one, where they exist. checked is
// false when the policy lists no versions.
func (c *Compiled) GVisorDriver(v DriverVersion) (supported bool, nearest []string, checked bool) {
	if len(c.gvisorDrivers) == 0 {
		return false, nil, false
	}
	i, found := slices.BinarySearchFunc(c.gvisorDrivers, v, DriverVersion.Compare)
	if found {
		return true, nil, true
	}
	if i > 0 {
		nearest = append(nearest, c.gvisorDrivers[i-1].String())
	}
	if i < len(c.gvisorDrivers) {
		nearest = append(nearest, c.gvisorDrivers[i].String())
	}
	return false, nearest, true
}

// GVisorSource names where the driver list comes from, for messages.
func (c *Compiled) GVisorSource() string {
	if c.GVisorRelease == "" {
		return "the policy's gvisorDriverVersions"
	}
	r, _, _ := strings.Cut(c.GVisorRelease, " ")
	return "gVisor " + r
}

// PassesVFIO reports whether VFIO passthrough hands a resource to the VM.
func (c *Compiled) PassesVFIO(resource string) bool {
	for _, g := range c.VFIOGPUResources {
		if globMatch(g, resource) {
			return true
		}
	}
	return false
}
