package fingerprint

import "testing"

func TestCutInitArgs(t *testing.T) {
	for in, want := range map[string]string{
		"console=ttyS0 reboot=k panic=1 -- --auth-required --addr 0.0.0.0:2024": "console=ttyS0 reboot=k panic=1",
		"BOOT_IMAGE=/vmlinuz-4.4.0-gvisor quiet\n":                              "BOOT_IMAGE=/vmlinuz-4.4.0-gvisor quiet",
		"-- --secret=x":     "",
		"quiet --":          "quiet",
		"":                  "",
		"a=b --not-sep c=d": "a=b --not-sep c=d",
	} {
		if got := CutInitArgs(in); got != want {
			t.Errorf("CutInitArgs(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRootMountOf(t *testing.T) {
	mounts := "proc /proc proc rw 0 0\noverlay / overlay rw,lowerdir=/a 0 0\ntmpfs /dev tmpfs rw 0 0\nkataShared / virtiofs rw,relatime 0 0\n"
	if got, want := RootMountOf(mounts), "kataShared / virtiofs rw,relatime"; got != want {
		t.Errorf("RootMountOf = %q, want %q (the last mount on / covers the others)", got, want)
	}
	if got := RootMountOf("proc /proc proc rw 0 0\n"); got != "" {
		t.Errorf("no root entry: got %q", got)
	}
}

func TestHypervisorFlag(t *testing.T) {
	for _, c := range []struct {
		cpuinfo string
		want    Presence
	}{
		{"processor\t: 0\nflags\t\t: fpu vme de pse hypervisor lahf_lm\n", Present},
		{"processor\t: 0\nflags\t\t: fpu vme de pse lahf_lm\n", Absent},
		{"processor\t: 0\nFeatures\t: fp asimd evtstrm\n", NotRead},
		{"", NotRead},
	} {
		if got := HypervisorFlag(c.cpuinfo); got != c.want {
			t.Errorf("HypervisorFlag(%q) = %q, want %q", c.cpuinfo, got, c.want)
		}
	}
}

func TestReleaseFromVersion(t *testing.T) {
	f := Facts{Version: "Linux version 4.19.0-gvisor #1 SMP Sun Jan 10 15:06:54 PST 2016"}
	if got := f.release(); got != "4.19.0-gvisor" {
		t.Errorf("release = %q", got)
	}
	f.Release = "6.1.0\n"
	if got := f.release(); got != "6.1.0" {
		t.Errorf("uname -r wins over /proc/version: %q", got)
	}
}

// An undecided verdict names the inputs it could not read.
func TestUnknownNamesWhatIsUnread(t *testing.T) {
	v := Decide(Facts{Unread: []string{"/proc/version: permission denied"}})
	if v.Kind != Unknown || v.Caveat == "" || v.Evidence == nil {
		t.Fatalf("got %+v", v)
	}
}
