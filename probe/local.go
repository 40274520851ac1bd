package probe

import (
	"context"
	"errors"
	"io"
	"os"
	"runtime"

	"github.com/tiergate/tiergate/fingerprint"
)

// ErrNotLinux: the local probe reads Linux's /proc.
var ErrNotLinux = errors.New("probe --local reads Linux's /proc and /sys: run it inside a Linux pod (or with --probe-image)")

// Local reads the facts of the environment this process runs in. It needs
// no privilege: every file is world-readable, and the kernel log is read
// only when the kernel allows it (dmesg_restrict).
func Local(ctx context.Context) (fingerprint.Facts, error) {
	if runtime.GOOS != "linux" {
		return fingerprint.Facts{}, ErrNotLinux
	}
	f, err := Gather(ctx, readLocal)
	if err != nil {
		return f, err
	}
	if f.Release == "" {
		f.Release = unameRelease()
	}
	line, err := firstKernelLogLine()
	if err != nil {
		f.Unread = append(f.Unread, "dmesg: "+reason(err))
	}
	f.Dmesg = line
	return f, nil
}

func readLocal(_ context.Context, path string) (string, error) {
	file, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer file.Close()
	b, err := io.ReadAll(io.LimitReader(file, maxFileBytes))
	return string(b), err
}
