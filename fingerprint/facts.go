package fingerprint

import "strings"

// Presence says whether a file or flag was seen. The zero value means it
// could not be read, which is not the same as absent.
type Presence string

const (
	NotRead Presence = ""
	Present Presence = "present"
	Absent  Presence = "absent"
)

// Facts are the inputs read inside the container, plus the node's
// kernelVersion. Empty strings are inputs that could not be read.
type Facts struct {
	// Version is /proc/version.
	Version string `json:"procVersion,omitempty"`
	// Release is uname -r (/proc/sys/kernel/osrelease).
	Release string `json:"release,omitempty"`
	// Cmdline is /proc/cmdline as KernelParams keeps it: the markers'
	// parameters only (a command line may carry credentials).
	Cmdline string `json:"cmdline,omitempty"`
	// SentryMeminfo is /proc/sentry-meminfo, which only gVisor has.
	SentryMeminfo Presence `json:"sentryMeminfo,omitempty"`
	// DMI is /sys/class/dmi/id; DMIVendor and DMIProduct its sys_vendor
	// and product_name.
	DMI        Presence `json:"dmi,omitempty"`
	DMIVendor  string   `json:"dmiVendor,omitempty"`
	DMIProduct string   `json:"dmiProduct,omitempty"`
	// RootMount is the entry of /proc/mounts mounted on /.
	RootMount string `json:"rootMount,omitempty"`
	// Hypervisor is the x86 cpuinfo "hypervisor" flag; NotRead on CPUs
	// whose cpuinfo has no flags line (arm64).
	Hypervisor Presence `json:"hypervisorFlag,omitempty"`
	// Dmesg is the kernel log's first line, when the container may read it.
	Dmesg string `json:"dmesg,omitempty"`
	// NodeKernel is the node's status.nodeInfo.kernelVersion.
	NodeKernel string `json:"nodeKernel,omitempty"`
	// Unread names the inputs that could not be read, and why.
	Unread []string `json:"unread,omitempty"`
}

// markerParams are the kernel parameters the markers read; a probe keeps
// only these, whole, and the prefixes below: a host's command line can
// carry credentials, and the facts travel (JSON, an ephemeral
// container's log).
var markerParams = map[string]bool{
	"reboot=k": true, "panic=1": true, "pci=off": true, "nomodule": true, "8250.nr_uarts=0": true,
	"i8042.noaux": true, "i8042.nomux": true, "i8042.nopnp": true, "i8042.dumbkbd": true,
	"cryptomgr.notests": true, "pci=lastbus=0": true, "clocksource=kvm-clock": true, "quiet": true,
}

var markerPrefixes = []string{"BOOT_IMAGE=", "virtio_mmio.device=", "console="}

// KernelParams keeps the marker parameters of a kernel command line, in
// order, each run of others shown as one "…" (so that two markers never
// look adjacent when they were not), and nothing of init's arguments.
func KernelParams(cmdline string) string {
	var out []string
	for _, p := range strings.Fields(CutInitArgs(cmdline)) {
		keep := markerParams[p]
		for _, pre := range markerPrefixes {
			keep = keep || strings.HasPrefix(p, pre)
		}
		switch {
		case keep:
			out = append(out, p)
		case len(out) == 0 || out[len(out)-1] != "…":
			out = append(out, "…")
		}
	}
	return strings.Join(out, " ")
}

// CutInitArgs drops what follows " -- " on a kernel command line: those
// are init's arguments (a sandbox agent's flags, sometimes secrets).
func CutInitArgs(cmdline string) string {
	cmdline = strings.TrimSpace(cmdline)
	if cmdline == "--" || strings.HasPrefix(cmdline, "-- ") {
		return ""
	}
	if i := strings.Index(cmdline, " -- "); i >= 0 {
		return cmdline[:i]
	}
	return strings.TrimSuffix(cmdline, " --")
}

// RootMountOf returns the entry of a /proc/mounts text mounted on /; the
// last one wins, as later mounts cover earlier ones.
func RootMountOf(mounts string) string {
	root := ""
	for line := range strings.Lines(mounts) {
		f := strings.Fields(line)
		if len(f) >= 3 && f[1] == "/" {
			root = strings.Join(f[:min(len(f), 4)], " ")
		}
	}
	return root
}

// HypervisorFlag reads the x86 "hypervisor" flag from a /proc/cpuinfo
// text: NotRead when there is no flags line (other architectures).
func HypervisorFlag(cpuinfo string) Presence {
	for line := range strings.Lines(cpuinfo) {
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(k) != "flags" {
			continue
		}
		for _, f := range strings.Fields(v) {
			if f == "hypervisor" {
				return Present
			}
		}
		return Absent
	}
	return NotRead
}

// FirstLine returns the first non-empty line of s, trimmed.
func FirstLine(s string) string {
	for line := range strings.Lines(s) {
		if l := strings.TrimSpace(line); l != "" {
			return l
		}
	}
	return ""
}

// release is uname -r, or the release /proc/version names.
func (f *Facts) release() string {
	if r := strings.TrimSpace(f.Release); r != "" {
		return r
	}
	rest, ok := strings.CutPrefix(strings.TrimSpace(f.Version), "Linux version ")
	if !ok {
		return ""
	}
	r, _, _ := strings.Cut(rest, " ")
	return r
}
