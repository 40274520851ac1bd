package probe

import (
	"context"
	"errors"
	"io/fs"
	"strings"

	"github.com/tiergate/tiergate/fingerprint"
)

// Paths are the files a probe reads, in the order it reads them.
const (
	pathVersion  = "/proc/version"
	pathRelease  = "/proc/sys/kernel/osrelease" // what uname -r prints
	pathCmdline  = "/proc/cmdline"
	pathSentry   = "/proc/sentry-meminfo"
	pathVendor   = "/sys/class/dmi/id/sys_vendor"
	pathProduct  = "/sys/class/dmi/id/product_name"
	pathMounts   = "/proc/mounts"
	pathCPUInfo  = "/proc/cpuinfo"
	maxFileBytes = 4 << 20 // /proc/cpuinfo of 256 CPUs is about 400 KiB
)

// input is one file a probe reads and where its text goes in the facts.
type input struct {
	path string
	// set stores the text (empty unless Present) and whether the file
	// was there (Absent) or could not be read (NotRead).
	set func(f *fingerprint.Facts, text string, p fingerprint.Presence)
	// skip says the file says nothing here (no DMI: no product name).
	skip func(f *fingerprint.Facts) bool
}

// inputs are the files in the order they are read.
var inputs = []input{
	{path: pathVersion, set: func(f *fingerprint.Facts, s string, _ fingerprint.Presence) { f.Version = strings.TrimSpace(s) }},
	{path: pathRelease, set: func(f *fingerprint.Facts, s string, _ fingerprint.Presence) { f.Release = strings.TrimSpace(s) }},
	{path: pathCmdline, set: func(f *fingerprint.Facts, s string, _ fingerprint.Presence) { f.Cmdline = fingerprint.KernelParams(s) }},
	{path: pathSentry, set: func(f *fingerprint.Facts, _ string, p fingerprint.Presence) { f.SentryMeminfo = p }},
	{path: pathVendor, set: func(f *fingerprint.Facts, s string, p fingerprint.Presence) {
		f.DMI, f.DMIVendor = p, strings.TrimSpace(s)
	}},
	{path: pathProduct, set: func(f *fingerprint.Facts, s string, _ fingerprint.Presence) { f.DMIProduct = strings.TrimSpace(s) },
		skip: func(f *fingerprint.Facts) bool { return f.DMI != fingerprint.Present }},
	{path: pathMounts, set: func(f *fingerprint.Facts, s string, _ fingerprint.Presence) { f.RootMount = fingerprint.RootMountOf(s) }},
	{path: pathCPUInfo, set: func(f *fingerprint.Facts, s string, _ fingerprint.Presence) {
		f.Hypervisor = fingerprint.HypervisorFlag(s)
	}},
}

// Files lists every file a probe reads.
var Files = func() []string {
	var out []string
	for _, in := range inputs {
		out = append(out, in.path)
	}
	return out
}()

// ReadFunc reads one file. A file that does not exist is an error that
// wraps fs.ErrNotExist; an error wrapped in Abort ends the whole probe
// (no cat in the image, exec forbidden); any other error leaves that one
// input unread.
type ReadFunc func(ctx context.Context, path string) (string, error)

// Abort marks an error that makes every further read pointless.
type Abort struct{ Err error }

func (a *Abort) Error() string { return a.Err.Error() }
func (a *Abort) Unwrap() error { return a.Err }

// Gather reads every input through read and assembles the facts (without
// the node's kernel, which the caller knows).
func Gather(ctx context.Context, read ReadFunc) (fingerprint.Facts, error) {
	var f fingerprint.Facts
	var abort *Abort
	for _, in := range inputs {
		if in.skip != nil && in.skip(&f) {
			continue
		}
		text, err := read(ctx, in.path)
		p := fingerprint.Present
		switch {
		case err == nil:
		case errors.As(err, &abort):
			return f, abort.Err
		case ctx.Err() != nil:
			return f, ctx.Err()
		case errors.Is(err, fs.ErrNotExist):
			p, text = fingerprint.Absent, ""
		default:
			p, text = fingerprint.NotRead, ""
			f.Unread = append(f.Unread, in.path+": "+reason(err))
		}
		in.set(&f, text, p)
	}
	return f, nil
}

// reason words a read error without the path (the caller names it).
func reason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return strings.TrimSpace(err.Error())
}
