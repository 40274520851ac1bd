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

// Files lists every file a probe reads.
var Files = []string{pathVersion, pathRelease, pathCmdline, pathSentry, pathVendor, pathProduct, pathMounts, pathCPUInfo}

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
	get := func(path string) (string, bool, error) {
		s, err := read(ctx, path)
		switch {
		case err == nil:
			return s, true, nil
		case errors.As(err, &abort):
			return "", false, abort.Err
		case ctx.Err() != nil:
			return "", false, ctx.Err()
		case errors.Is(err, fs.ErrNotExist):
			return "", false, nil
		}
		f.Unread = append(f.Unread, path+": "+reason(err))
		return "", false, nil
	}
	// presence maps a read to Present/Absent, or NotRead when unreadable.
	presence := func(path string) (string, fingerprint.Presence, error) {
		n := len(f.Unread)
		s, ok, err := get(path)
		switch {
		case err != nil:
			return "", fingerprint.NotRead, err
		case ok:
			return s, fingerprint.Present, nil
		case len(f.Unread) > n:
			return "", fingerprint.NotRead, nil
		}
		return "", fingerprint.Absent, nil
	}
	var err error
	var s string
	if s, _, err = get(pathVersion); err != nil {
		return f, err
	}
	f.Version = strings.TrimSpace(s)
	if s, _, err = get(pathRelease); err != nil {
		return f, err
	}
	f.Release = strings.TrimSpace(s)
	if s, _, err = get(pathCmdline); err != nil {
		return f, err
	}
	f.Cmdline = fingerprint.KernelParams(s)
	if _, f.SentryMeminfo, err = presence(pathSentry); err != nil {
		return f, err
	}
	if s, f.DMI, err = presence(pathVendor); err != nil {
		return f, err
	}
	f.DMIVendor = strings.TrimSpace(s)
	if f.DMI == fingerprint.Present {
		if s, _, err = get(pathProduct); err != nil {
			return f, err
		}
		f.DMIProduct = strings.TrimSpace(s)
	}
	if s, _, err = get(pathMounts); err != nil {
		return f, err
	}
	f.RootMount = fingerprint.RootMountOf(s)
	if s, _, err = get(pathCPUInfo); err != nil {
		return f, err
	}
	f.Hypervisor = fingerprint.HypervisorFlag(s)
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
