package fingerprint

import (
	"strings"
	"testing"
)

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

func TestKernelParamsKeepsOnlyMarkers(t *testing.T) {
	for in, want := range map[string]string{
		"console=ttyS0 quiet reboot=k panic=1 nomodule random.trust_cpu=1 rdinit=/process_api -- --auth-required": "console=ttyS0 quiet reboot=k panic=1 nomodule …",
		"BOOT_IMAGE=/vmlinuz-4.4.0-gvisor quiet":                        "BOOT_IMAGE=/vmlinuz-4.4.0-gvisor quiet",
		"root=UUID=1 ro cloud-init=token:s3cr3t ds=nocloud;s=http://x/": "…",
		// reboot=k and panic=1 with something between stay apart.
		"reboot=k cryptomgr.notests net.ifnames=0 pci=lastbus=0 panic=1": "reboot=k cryptomgr.notests … pci=lastbus=0 panic=1",
		"reboot=k password=hunter2 panic=1":                              "reboot=k … panic=1",
	} {
		if got := KernelParams(in); got != want {
			t.Errorf("KernelParams(%q) = %q, want %q", in, got, want)
		}
	}
	f := Facts{Cmdline: KernelParams("reboot=k secret=x panic=1"), Release: "6.1", NodeKernel: "6.8", Hypervisor: Present}
	if v := Decide(f); len(v.Evidence) > 0 && strings.Contains(strings.Join(v.Evidence, ";"), "reboot=k panic=1") {
		t.Errorf("a dropped parameter made two markers adjacent: %q", v.Evidence)
	}
}
