package policy

import "testing"

// TestPodSecurityFor: the default is restricted at the latest version; a
// user policy sets the level and version and relaxes types one by one.
func TestPodSecurityFor(t *testing.T) {
	def, err := Compile(Default())
	if err != nil {
		t.Fatal(err)
	}
	if l, v := def.PodSecurityFor(Agent); l != PSSRestricted || v != "latest" {
		t.Errorf("default: got %s %s, want restricted latest", l, v)
	}
	user := &Policy{PodSecurity: PodSecurity{Version: "v1.30", Relax: map[WorkloadType]string{Inference: PSSBaseline, None: PSSPrivileged}}}
	c, err := Compile(Merge(Default(), user))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		typ         WorkloadType
		level, vers string
	}{
		{Agent, PSSRestricted, "v1.30"},
		{Inference, PSSBaseline, "v1.30"},
		{None, PSSPrivileged, "v1.30"},
	} {
		if l, v := c.PodSecurityFor(tc.typ); l != tc.level || v != tc.vers {
			t.Errorf("%s: got %s %s, want %s %s", tc.typ, l, v, tc.level, tc.vers)
		}
	}
	// Merging never changes the base's relax map.
	base := Default()
	base.PodSecurity.Relax = map[WorkloadType]string{Agent: PSSBaseline}
	Merge(base, user)
	if len(base.PodSecurity.Relax) != 1 {
		t.Errorf("Merge changed the base policy: %v", base.PodSecurity.Relax)
	}
}
