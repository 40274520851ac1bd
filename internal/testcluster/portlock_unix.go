//go:build unix

package testcluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// lockPorts serialises the moments when a control plane's ports are
// chosen but not yet held. Every kwokctl process picks "unused" ports by
// counting down from 32767 and probing them, so two clusters created at
// once (go test runs packages in parallel) pick the same ports and one of
// them never serves. The lock is a file in the temporary directory, so it
// holds across test binaries and the lab.
func lockPorts(ctx context.Context) (unlock func(), err error) {
	path := filepath.Join(os.TempDir(), "tiergate-kwok-ports.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, fmt.Errorf("testcluster: port lock: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				_ = f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			_ = f.Close()
			return nil, fmt.Errorf("testcluster: port lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("testcluster: waiting for another cluster to take its ports: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
