package cluster

import (
	"testing"

	apimachineryversion "k8s.io/apimachinery/pkg/version"
)

// TestBehaves: whole lists need a 1.33 server's behaviour: its emulation
// version when it says one, else major and minor ("+" on managed
// clusters); gitVersion (v0.0.0 on a build without stamps) is not read.
func TestBehaves(t *testing.T) {
	for _, tc := range []struct {
		info  apimachineryversion.Info
		whole bool
	}{
		{apimachineryversion.Info{Major: "1", Minor: "37", GitVersion: "v0.0.0-master+$Format:%H$"}, true},
		{apimachineryversion.Info{Major: "1", Minor: "33"}, true},
		{apimachineryversion.Info{Major: "1", Minor: "32"}, false},
		{apimachineryversion.Info{Major: "1", Minor: "34+"}, true},
		{apimachineryversion.Info{Major: "1", Minor: "28+", GitVersion: "v1.28.3-eks-4f4795d"}, false},
		{apimachineryversion.Info{Major: "1", Minor: "37", EmulationMajor: "1", EmulationMinor: "32"}, false},
		{apimachineryversion.Info{Major: "1", Minor: "32", EmulationMajor: "1", EmulationMinor: "33"}, true},
		{apimachineryversion.Info{Major: "2", Minor: "0"}, true},
		{apimachineryversion.Info{}, false},
		{apimachineryversion.Info{Major: "one", Minor: "x"}, false},
	} {
		v, err := behaves(&tc.info)
		if got := err == nil && v.AtLeast(wholeListsSince); got != tc.whole {
			t.Errorf("%+v: whole lists %v, want %v", tc.info, got, tc.whole)
		}
	}
}
