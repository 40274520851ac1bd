package policy

import (
	"slices"
	"strings"
	"testing"
)

func TestGVisorDriver(t *testing.T) {
	c, err := Compile(Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		driver    string
		supported bool
		nearest   []string
	}{
		{"580.105.08", true, nil},
		{"580.105.8", true, nil}, // the same number, written without the zero
		{"620.06", true, nil},
		{"535.129.03", true, nil},
		{"580.82.07", false, []string{"580.65.06", "580.105.08"}},
		{"590.44.01", false, []string{"580.173.02", "590.48.01"}}, // gVisor knows it but does not support it
		{"470.256.02", false, []string{"535.129.03"}},
		{"999.1.1", false, []string{"620.06.00"}},
	} {
		v, err := ParseDriverVersion(tc.driver)
		if err != nil {
			t.Fatal(err)
		}
		ok, nearest, checked := c.GVisorDriver(v)
		if !checked || ok != tc.supported || !slices.Equal(nearest, tc.nearest) {
			t.Errorf("%s: got %v %v (checked %v), want %v %v", tc.driver, ok, nearest, checked, tc.supported, tc.nearest)
		}
	}
	if got := c.GVisorSource(); got != "gVisor release-20260817.0" {
		t.Errorf("source: got %q", got)
	}
}

func TestGVisorDriverUncheckedWithoutList(t *testing.T) {
	p := Default()
	p.GVisorDriverVersions = []string{}
	c, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, checked := c.GVisorDriver(DriverVersion{580, 82, 7}); checked {
		t.Error("an empty list must not be checked")
	}
}

func TestParseDriverVersionRejects(t *testing.T) {
	for _, s := range []string{"", "580", "580.x.1", "1.2.3.4", "-1.2"} {
		if _, err := ParseDriverVersion(s); err == nil {
			t.Errorf("%q: want an error", s)
		}
	}
}

func TestPassesVFIO(t *testing.T) {
	c, err := Compile(Default())
	if err != nil {
		t.Fatal(err)
	}
	for r, want := range map[string]bool{
		"nvidia.com/pgpu": true, "nvidia.com/nvswitch": true, "nvidia.com/GH100_H100L_94GB": true,
		"nvidia.com/gpu": false, "nvidia.com/mig-1g.10gb": false, "nvidia.com/gpu.shared": false, "amd.com/gpu": false,
	} {
		if got := c.PassesVFIO(r); got != want {
			t.Errorf("%s: got %v, want %v", r, got, want)
		}
	}
}

func TestGPUReachFromUserPolicy(t *testing.T) {
	user, err := Parse([]byte(`apiVersion: tiergate.dev/v1alpha1
kind: Policy
gvisorRelease: release-20250101.0
gvisorDriverVersions: ["550.54.14"]
vfioGPUResources: ["nvidia.com/pgpu", "nvidia.com/GH100_*"]
vmColdPlugsDRA: true
`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Compile(Merge(Default(), user))
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := c.GVisorDriver(DriverVersion{550, 54, 14}); !ok {
		t.Error("the user's driver list must replace the default")
	}
	if ok, _, _ := c.GVisorDriver(DriverVersion{580, 105, 8}); ok {
		t.Error("the default list must be gone")
	}
	if c.GVisorSource() != "gVisor release-20250101.0" || !c.PassesVFIO("nvidia.com/GH100_H100_PCIE") || !c.VMColdPlugsDRA {
		t.Errorf("user values lost: %q %v %v", c.GVisorSource(), c.PassesVFIO("nvidia.com/GH100_H100_PCIE"), c.VMColdPlugsDRA)
	}

	bad := Default()
	bad.GVisorDriverVersions = []string{"580.x"}
	bad.VFIOGPUResources = []string{"nvidia.com/[pgpu"}
	_, err = Compile(bad)
	if err == nil || !strings.Contains(err.Error(), "gvisorDriverVersions[0]") || !strings.Contains(err.Error(), "vfioGPUResources[0]") {
		t.Errorf("want both bad fields named, got %v", err)
	}
}
