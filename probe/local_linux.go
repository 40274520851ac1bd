//go:build linux

package probe

import (
	"golang.org/x/sys/unix"

	"github.com/tiergate/tiergate/fingerprint"
)

func unameRelease() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

// firstKernelLogLine reads the kernel ring buffer (syslog(2), what dmesg
// does), which gVisor fills with its own boot lines.
func firstKernelLogLine() (string, error) {
	n, err := unix.Klogctl(unix.SYSLOG_ACTION_SIZE_BUFFER, nil)
	if err != nil {
		return "", err
	}
	buf := make([]byte, max(n, 4096))
	n, err = unix.Klogctl(unix.SYSLOG_ACTION_READ_ALL, buf)
	if err != nil {
		return "", err
	}
	return fingerprint.FirstLine(stripPriority(string(buf[:n]))), nil
}

// stripPriority drops syslog's "<6>" prefix of the first record.
func stripPriority(s string) string {
	if len(s) > 2 && s[0] == '<' {
		for i := 1; i < len(s) && i < 5; i++ {
			if s[i] == '>' {
				return s[i+1:]
			}
		}
	}
	return s
}
