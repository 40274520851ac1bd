package fingerprint

import (
	"slices"
	"strings"
)

// gVisor prints this build line in /proc/version whatever release it
// claims (4.4.0 before April 2026, 4.19.0-gvisor after).
const gvisorBuildLine = "#1 SMP Sun Jan 10 15:06:54 PST 2016"

// firecrackerParams are Firecracker's default guest kernel parameters.
// Kata writes i8042 options as "=1", so the bare forms are Firecracker's.
var firecrackerParams = []string{"nomodule", "8250.nr_uarts=0", "i8042.noaux", "i8042.nomux", "i8042.nopnp", "i8042.dumbkbd", "pci=off"}

// kataParams are the parameters Kata's runtime gives every guest kernel.
var kataParams = []string{"cryptomgr.notests", "pci=lastbus=0"}

// markers holds what each input says, sorted by what it points to.
type markers struct {
	gvisor      []string
	firecracker []string
	// kataRoot is Kata's shared root, which exists only inside its
	// guests; kata are Kata's kernel parameters, which a host may share.
	kataRoot []string
	kata     []string
	// virtiofsRoot: / is on virtio-fs, which Firecracker does not offer.
	virtiofsRoot bool
	// dmiVMM is the VMM the DMI identity names; dmi describes the DMI
	// facts in words; dmiNone says there are no DMI tables at all.
	dmiVMM  string
	dmi     string
	dmiNone bool
	// guest are hints that the kernel runs under some hypervisor.
	guest []string
}

func (f *Facts) markers() markers {
	var m markers
	rel := f.release()
	cmd := strings.Fields(f.Cmdline)
	has := func(p string) bool { return slices.Contains(cmd, p) }

	if f.SentryMeminfo == Present {
		m.gvisor = append(m.gvisor, "/proc/sentry-meminfo exists (only gVisor's Sentry has it)")
	}
	if strings.HasSuffix(rel, "-gvisor") {
		m.gvisor = append(m.gvisor, "uname -r is "+rel+" (gVisor's release string)")
	}
	if strings.Contains(f.Version, gvisorBuildLine) {
		m.gvisor = append(m.gvisor, "/proc/version carries gVisor's fixed build line ("+gvisorBuildLine+")")
	}
	for _, p := range cmd {
		if strings.HasPrefix(p, "BOOT_IMAGE=/vmlinuz-") && strings.HasSuffix(p, "-gvisor") {
			m.gvisor = append(m.gvisor, "/proc/cmdline is gVisor's ("+p+")")
		}
	}
	if strings.HasPrefix(f.Dmesg, "Starting gVisor") || strings.Contains(f.Dmesg, "] Starting gVisor") {
		m.gvisor = append(m.gvisor, "dmesg begins \"Starting gVisor...\"")
	}

	if i := slices.Index(cmd, "reboot=k"); i >= 0 && i+1 < len(cmd) && cmd[i+1] == "panic=1" {
		m.firecracker = append(m.firecracker, "/proc/cmdline has Firecracker's default \"reboot=k panic=1\"")
	}
	for _, p := range firecrackerParams {
		if has(p) {
			m.firecracker = append(m.firecracker, "/proc/cmdline has Firecracker's default \""+p+"\"")
		}
	}
	for _, p := range cmd {
		if strings.HasPrefix(p, "virtio_mmio.device=") {
			m.firecracker = append(m.firecracker, "/proc/cmdline declares virtio-mmio devices (Firecracker has no PCI bus by default)")
			break
		}
	}

	if root := strings.Fields(f.RootMount); len(root) >= 3 {
		m.virtiofsRoot = root[2] == "virtiofs"
		switch {
		case root[0] == "kataShared":
			m.kataRoot = append(m.kataRoot, "/ is "+root[0]+" on "+root[2]+" (Kata's shared root from the host)")
		case m.virtiofsRoot:
			m.guest = append(m.guest, "/ is on virtiofs (a filesystem shared into a VM guest)")
		}
	}
	for _, p := range kataParams {
		if has(p) {
			m.kata = append(m.kata, "/proc/cmdline has Kata's guest parameter \""+p+"\"")
		}
	}
	if strings.Contains(rel, "-nvidia-gpu") {
		m.kata = append(m.kata, "uname -r is "+rel+" (Kata's GPU guest kernel)")
	}

	vendor, product := strings.TrimSpace(f.DMIVendor), strings.TrimSpace(f.DMIProduct)
	switch {
	case vendor == "Cloud Hypervisor" || product == "cloud-hypervisor":
		m.dmiVMM, m.dmi = CloudHypervisor, "DMI names Cloud Hypervisor (vendor "+quote(vendor)+", product "+quote(product)+")"
	case vendor == "QEMU" || strings.Contains(product, "QEMU"):
		m.dmiVMM, m.dmi = QEMU, "DMI names QEMU (vendor "+quote(vendor)+", product "+quote(product)+")"
	case vendor != "" || product != "":
		m.dmi = "DMI vendor " + quote(vendor) + ", product " + quote(product)
	case f.DMI == Absent:
		m.dmiNone = true
		m.dmi = "no /sys/class/dmi/id (no SMBIOS tables: a minimal VMM such as Firecracker, or a bare board)"
	}

	if f.Hypervisor == Present {
		m.guest = append(m.guest, "cpuinfo has the hypervisor flag")
	}
	if has("clocksource=kvm-clock") {
		m.guest = append(m.guest, "/proc/cmdline selects kvm-clock (a KVM guest)")
	}
	return m
}

// vmHints are every marker of a kernel under a hypervisor.
func (m *markers) vmHints() []string {
	out := slices.Concat(m.kataRoot, m.kata, m.firecracker)
	if m.dmiVMM != "" {
		out = append(out, m.dmi)
	}
	return append(out, m.guest...)
}

// Decide weighs the facts. gVisor's markers are its own and decide alone
// unless something contradicts them; otherwise the node's kernel, when
// known, tells the node's kernel from a guest's, and the VM markers name
// the VMM. Markers that disagree give Unknown with both sides shown.
func Decide(f Facts) Verdict {
	v := decide(&f)
	if v.Evidence == nil {
		v.Evidence = []string{}
	}
	if v.Kind == Unknown && len(f.Unread) > 0 {
		v.Caveat = strings.TrimPrefix(v.Caveat+"; could not read "+strings.Join(f.Unread, ", "), "; ")
	}
	return v
}

func decide(f *Facts) Verdict {
	m := f.markers()
	rel := f.release()
	node := strings.TrimSpace(f.NodeKernel)
	compared := rel != "" && node != ""
	same := compared && rel == node
	kernel := ""
	switch {
	case same:
		kernel = "uname -r " + rel + " equals the node's kernelVersion"
	case compared:
		kernel = "uname -r " + rel + " differs from the node's kernelVersion " + node
	}

	if len(m.gvisor) > 0 {
		var against []string
		if same {
			against = append(against, kernel)
		}
		against = slices.Concat(against, m.kataRoot, m.kata, m.firecracker)
		if m.dmi != "" && !m.dmiNone {
			against = append(against, m.dmi+" (gVisor exposes no DMI)")
		}
		if len(against) > 0 {
			return unknown(m.gvisor, against)
		}
		return Verdict{Kind: GVisor, Evidence: appendIf(m.gvisor, kernel)}
	}

	if same {
		// VM markers seen from the node's own kernel describe the node;
		// only Kata's shared root cannot be the node's.
		if len(m.kataRoot) > 0 {
			return unknown([]string{kernel}, m.kataRoot)
		}
		ev := []string{kernel + ": the pod shares the node's kernel"}
		if hints := m.vmHints(); len(hints) > 0 {
			ev = append(ev, "these describe the node itself: "+strings.Join(appendIf(hints, noDMI(&m)), "; "))
		}
		return Verdict{Kind: SharedKernel, Evidence: ev}
	}

	hints := m.vmHints()
	if len(hints) == 0 {
		if compared {
			return Verdict{Kind: Unknown, Evidence: []string{kernel}, Caveat: "no hypervisor, Kata or gVisor marker says what runs this kernel"}
		}
		if f.Hypervisor == Absent {
			return Verdict{Kind: SharedKernel, Evidence: appendIf([]string{"cpuinfo has no hypervisor flag and no sandbox marker is present: the host's own kernel"}, m.dmi),
				Caveat: "the node's kernelVersion was not compared"}
		}
		return Verdict{Kind: Unknown, Evidence: appendIf(nil, m.dmi), Caveat: "no marker of gVisor or a VM, and no node kernel to compare"}
	}

	v := guestVerdict(&m)
	switch {
	case v.Kind == Unknown:
	case compared:
		v.Evidence = append([]string{kernel}, v.Evidence...)
	case len(m.kataRoot) == 0:
		// Only Kata's shared root exists in guests alone: the other
		// markers could describe a node that is itself a VM, its pods
		// sharing its kernel. Without the node's kernel, say so.
		return Verdict{Kind: Unknown, Evidence: v.Evidence,
			Caveat: "this kernel runs under a hypervisor (" + v.String() + " by its markers), but with no node kernelVersion to compare, a pod's own VM cannot be told from a node that is itself a VM (the node's kernelVersion decides)"}
	}
	return v
}

// guestVerdict names the VM from its markers: DMI says which full VMM;
// Firecracker's kernel parameters (which rust-vmm microVMs such as
// Dragonball share) with no DMI and no virtio-fs say microVM. Anything
// else is a VM whose VMM is not named.
func guestVerdict(m *markers) Verdict {
	vm := slices.Concat(m.kataRoot, m.kata, m.guest)
	switch {
	case m.dmiVMM != "" && len(m.firecracker) > 0:
		return unknown([]string{m.dmi}, m.firecracker)
	case m.dmiVMM != "":
		return Verdict{Kind: VM, VMM: m.dmiVMM, Evidence: slices.Concat([]string{m.dmi}, vm)}
	case len(m.firecracker) > 0 && m.dmi != "" && !m.dmiNone:
		return unknown(m.firecracker, []string{m.dmi + " (Firecracker has no DMI)"})
	case len(m.firecracker) > 0 && m.virtiofsRoot:
		return unknown(m.firecracker, []string{"/ is on virtiofs (Firecracker has no virtio-fs)"})
	case len(m.firecracker) > 0:
		return Verdict{Kind: MicroVM, VMM: Firecracker, Evidence: appendIf(slices.Concat(m.firecracker, vm), noDMI(m))}
	}
	return Verdict{Kind: VM, Evidence: appendIf(vm, m.dmi)}
}

func noDMI(m *markers) string {
	if m.dmiNone {
		return m.dmi
	}
	return ""
}

func unknown(for_, against []string) Verdict {
	return Verdict{Kind: Unknown, Evidence: slices.Clone(for_), Conflicts: slices.Clone(against)}
}

func appendIf(s []string, v string) []string {
	if v == "" {
		return s
	}
	return append(s, v)
}

func quote(s string) string {
	if s == "" {
		return "unread"
	}
	return `"` + s + `"`
}
