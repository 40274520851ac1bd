package audit

import "testing"

func TestMIGSlice(t *testing.T) {
	for _, tt := range []struct {
		name string
		g    GPU
		want bool
	}{
		{"extended resource", GPU{Resource: "nvidia.com/mig-1g.10gb"}, true},
		{"whole GPU", GPU{Resource: "nvidia.com/gpu"}, false},
		{"DRA mig device", GPU{Claim: &GPUClaim{DeviceType: "mig"}}, true},
		{"DRA request for a MIG profile", GPU{Claim: &GPUClaim{MIGProfile: "1g.10gb"}}, true},
		{"DRA whole GPU", GPU{Claim: &GPUClaim{DeviceType: "gpu"}}, false},
	} {
		if got := tt.g.MIGSlice(); got != tt.want {
			t.Errorf("%s: MIGSlice() = %v, want %v", tt.name, got, tt.want)
		}
	}
}
