//go:build !linux

package probe

func unameRelease() string { return "" }

func firstKernelLogLine() (string, error) { return "", ErrNotLinux }
