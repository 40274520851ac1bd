package cmd

import (
	"testing"

	"github.com/charmbracelet/colorprofile"
)

func TestNoColorTakesAnyValue(t *testing.T) {
	for _, tt := range []struct {
		value  string
		forced bool
	}{{"", false}, {"1", true}, {"true", true}, {"yes", true}, {"x", true}, {"0", true}} {
		env := func(k string) string {
			if k == "NO_COLOR" {
				return tt.value
			}
			return ""
		}
		profile, forced := forcedProfile(env)
		if forced != tt.forced || forced && profile != colorprofile.ASCII {
			t.Errorf("NO_COLOR=%q: profile %v forced %v, want forced %v to ASCII", tt.value, profile, forced, tt.forced)
		}
	}
}
