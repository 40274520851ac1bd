// Package fingerprint decides which kernel a container really runs on
// (the node's, gVisor's user-space kernel, a VM guest's, a microVM's) from
// what can be read inside it: /proc/version, uname -r, /proc/cmdline,
// /proc/sentry-meminfo, the DMI identity, the root mount, the cpuinfo
// hypervisor flag and the first dmesg line, compared with the node's
// kernelVersion. It is pure: callers read the facts (package probe) and
// this package weighs them.
//
// The markers come from the projects themselves (gVisor's fixed
// /proc/version, Firecracker's default kernel command line, Kata's guest
// parameters and kataShared root, Cloud Hypervisor's DMI strings); see
// ../shared/reference/SIGNALS.md section 3. A node that is itself a VM
// shows VM markers to every container on it, so the node's kernel, when
// known, decides whether the kernel is the node's or the pod's own.
package fingerprint
